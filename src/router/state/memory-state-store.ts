import {
  type Admission,
  type AdmitResult,
  type DeploymentState,
  type FailurePolicy,
  FRESH_STATE,
  type ReleaseOutcome,
} from "./deployment-state.js";
import type { RouterStateStore } from "./state-store.js";

/** Weight of a new latency sample in the moving average. */
export const LATENCY_ALPHA = 0.2;
/** How long a deployment stays half-open after its cooldown if nobody probes it, ms. */
export const HALF_OPEN_TTL_MS = 10 * 60_000;
/** Most deployments (or wildcard models) tracked; the least recently used is forgotten beyond this. */
const MAX_ENTRIES = 10_000;
/** Latency statistics older than this are forgotten (LiteLLM's latency `ttl`, one hour). */
export const LATENCY_TTL_MS = 60 * 60_000;

interface Entry {
  leases: Map<string, number>;
  minute: number;
  requests: number;
  tokens: number;
  latencyMs: number | undefined;
  ttftMs: number | undefined;
  sampledAt: number;
  failures: number[];
  coolingUntil: number;
  halfOpenUntil: number;
  probeUntil: number;
}

let leaseCounter = 0;

/** A lease id unique within the process (the Redis store adds a process id). */
export function nextLease(prefix = ""): string {
  leaseCounter = (leaseCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}${leaseCounter}`;
}

/**
 * Deployment state in this process: the store without Redis, and the local fallback when Redis does not answer.
 * Same semantics as the Redis scripts, so a replica that loses Redis keeps routing the same way on what it saw.
 * Entries are bounded by the number of deployments; every list in them is trimmed by time.
 */
export class MemoryStateStore implements RouterStateStore {
  private readonly entries = new Map<string, Entry>();

  private entry(id: string, now: number): Entry {
    let entry = this.entries.get(id);
    if (entry !== undefined) {
      // Keep the map in least-recently-used order (a Map iterates in insertion order).
      this.entries.delete(id);
      this.entries.set(id, entry);
    } else {
      entry = {
        leases: new Map(),
        minute: minuteOf(now),
        requests: 0,
        tokens: 0,
        latencyMs: undefined,
        ttftMs: undefined,
        sampledAt: 0,
        failures: [],
        coolingUntil: 0,
        halfOpenUntil: 0,
        probeUntil: 0,
      };
      this.entries.set(id, entry);
      if (this.entries.size > MAX_ENTRIES) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    if (entry.minute !== minuteOf(now)) {
      entry.minute = minuteOf(now);
      entry.requests = 0;
      entry.tokens = 0;
    }
    for (const [lease, expires] of entry.leases) if (expires <= now) entry.leases.delete(lease);
    if (entry.sampledAt + LATENCY_TTL_MS < now) {
      entry.latencyMs = undefined;
      entry.ttftMs = undefined;
    }
    return entry;
  }

  stateOf(id: string, now: number): DeploymentState {
    const entry = this.entries.get(id);
    if (entry === undefined) return FRESH_STATE;
    const fresh = this.entry(id, now);
    return {
      inFlight: fresh.leases.size,
      rpmUsed: fresh.requests,
      tpmUsed: fresh.tokens,
      latencyMs: fresh.latencyMs,
      ttftMs: fresh.ttftMs,
      ...healthOf(fresh.coolingUntil, fresh.halfOpenUntil, fresh.probeUntil, now),
    };
  }

  async snapshot(ids: readonly string[], now: number): Promise<Map<string, DeploymentState>> {
    const out = new Map<string, DeploymentState>();
    for (const id of ids) out.set(id, this.stateOf(id, now));
    return out;
  }

  async admit(id: string, admission: Admission, now: number): Promise<AdmitResult> {
    return this.admitNow(id, admission, now, true);
  }

  /** Admission without the limit checks: mirrors a request that Redis admitted, so local state stays warm. */
  track(id: string, lease: string, admission: Admission, now: number): void {
    const entry = this.entry(id, now);
    entry.requests += 1;
    entry.tokens += admission.tokens;
    entry.leases.set(lease, now + admission.leaseMs);
  }

  admitNow(id: string, admission: Admission, now: number, check: boolean): AdmitResult {
    const entry = this.entry(id, now);
    if (entry.coolingUntil > now) return { admitted: false, why: "cooling" };
    const halfOpen = entry.halfOpenUntil > now;
    if (halfOpen && entry.probeUntil > now) return { admitted: false, why: "cooling" };
    if (check) {
      if (admission.maxParallel !== undefined && entry.leases.size >= admission.maxParallel) {
        return { admitted: false, why: "parallel" };
      }
      if (admission.rpm !== undefined && entry.requests >= admission.rpm)
        return { admitted: false, why: "rpm" };
      if (
        admission.tpm !== undefined &&
        entry.tokens > 0 &&
        entry.tokens + admission.tokens > admission.tpm
      ) {
        return { admitted: false, why: "tpm" };
      }
    }
    const lease = nextLease("m");
    this.track(id, lease, admission, now);
    if (halfOpen) entry.probeUntil = now + admission.probeMs;
    return { admitted: true, lease, probe: halfOpen };
  }

  async release(id: string, lease: string, outcome: ReleaseOutcome, now: number): Promise<void> {
    const entry = this.entry(id, now);
    entry.leases.delete(lease);
    if (outcome.latencyMs !== undefined) {
      entry.latencyMs = average(entry.latencyMs, outcome.latencyMs);
      entry.sampledAt = now;
    }
    if (outcome.ttftMs !== undefined) {
      entry.ttftMs = average(entry.ttftMs, outcome.ttftMs);
      entry.sampledAt = now;
    }
    if (outcome.tokenCorrection !== undefined)
      entry.tokens = Math.max(0, entry.tokens + outcome.tokenCorrection);
  }

  async recordFailure(id: string, policy: FailurePolicy, now: number): Promise<boolean> {
    const entry = this.entry(id, now);
    if (entry.coolingUntil > now) return false;
    let trip = policy.immediate || entry.halfOpenUntil > now;
    if (!trip) {
      entry.failures = entry.failures.filter((at) => at > now - policy.windowMs);
      entry.failures.push(now);
      trip = entry.failures.length > policy.allowedFails;
    }
    if (!trip) return false;
    entry.coolingUntil = now + policy.cooldownMs;
    entry.halfOpenUntil = entry.coolingUntil + HALF_OPEN_TTL_MS;
    entry.probeUntil = 0;
    entry.failures = [];
    return true;
  }

  async recordSuccess(id: string, now: number): Promise<void> {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.coolingUntil > now) return;
    entry.halfOpenUntil = 0;
    entry.probeUntil = 0;
  }

  async close(): Promise<void> {}
}

function minuteOf(now: number): number {
  return Math.floor(now / 60_000);
}

function average(previous: number | undefined, sample: number): number {
  return previous === undefined ? sample : previous + LATENCY_ALPHA * (sample - previous);
}

/** Cooling, half-open (probe free) or healthy, from the three timestamps both stores keep. */
export function healthOf(
  coolingUntil: number,
  halfOpenUntil: number,
  probeUntil: number,
  now: number,
): Pick<DeploymentState, "health" | "coolingUntil"> {
  if (coolingUntil > now) return { health: "cooling", coolingUntil };
  // A probe in flight: nobody else may try the deployment until it answers (or its probe time runs out).
  if (halfOpenUntil > now && probeUntil > now) return { health: "cooling", coolingUntil: probeUntil };
  if (halfOpenUntil > now) return { health: "half-open" };
  return { health: "healthy" };
}
