import { createHash, randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type {
  Admission,
  AdmitResult,
  DeploymentState,
  FailurePolicy,
  ReleaseOutcome,
} from "./deployment-state.js";
import { HALF_OPEN_TTL_MS, healthOf, LATENCY_ALPHA, LATENCY_TTL_MS } from "./memory-state-store.js";
import {
  ADMIT_SCRIPT,
  FAILURE_SCRIPT,
  RELEASE_SCRIPT,
  SNAPSHOT_SCRIPT,
  SUCCESS_SCRIPT,
} from "./redis-scripts.js";
import type { RouterStateStore } from "./state-store.js";

export interface RedisStateStoreOptions {
  url: string;
  /** Namespace of every key (tests use a unique one per run). Default `switchboard:router:`. */
  keyPrefix?: string;
  /** Longest wait for one Redis command, ms. Default 100. */
  commandTimeoutMs?: number;
}

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

const SCRIPTS = {
  snapshot: script(SNAPSHOT_SCRIPT),
  admit: script(ADMIT_SCRIPT),
  release: script(RELEASE_SCRIPT),
  failure: script(FAILURE_SCRIPT),
  success: script(SUCCESS_SCRIPT),
};

/**
 * Deployment state in Redis, shared by every replica. One script call per operation (EVALSHA, EVAL once after a
 * Redis restart). The client fails fast: a short command timeout, no offline queue, no per-command retries, so a
 * slow or absent Redis shows up as an error within `commandTimeoutMs` and the caller (resilient-state-store.ts)
 * answers from local state instead.
 */
export class RedisStateStore implements RouterStateStore {
  readonly redis: Redis;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  /** Makes lease and failure ids unique across replicas. */
  private readonly processId = randomBytes(6).toString("hex");
  private counter = 0;

  constructor(options: RedisStateStoreOptions) {
    const timeout = options.commandTimeoutMs ?? 100;
    this.timeoutMs = timeout;
    this.prefix = options.keyPrefix ?? "switchboard:router:";
    this.redis = new Redis(options.url, {
      commandTimeout: timeout,
      connectTimeout: Math.max(timeout * 5, 500),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // Reconnect forever, slowly: routing goes on locally meanwhile.
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
      enableReadyCheck: true,
      lazyConnect: false,
    });
    // Requests waiting for the connection each listen for "ready" (bounded by the command timeout).
    this.redis.setMaxListeners(1_000);
    // Connection errors are reported through failed commands; without a listener ioredis would print them.
    this.redis.on("error", () => undefined);
  }

  /** Resolves once connected (true), or false after `timeoutMs`; routing does not need to wait for it. */
  async ready(timeoutMs = 1_000): Promise<boolean> {
    if (this.redis.status === "ready") return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.redis.off("ready", onReady);
        resolve(false);
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.redis.once("ready", onReady);
    });
  }

  private keys(id: string, now: number): [string, string, string] {
    const base = `${this.prefix}${id}`;
    return [`${base}:st`, `${base}:if`, `${base}:m:${Math.floor(now / 60_000)}`];
  }

  private async run(which: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    // Not connected (starting, or reconnecting after an outage): wait for the connection, as long as one command
    // may take, rather than fail at once; without an offline queue the command would be refused.
    if (this.redis.status !== "ready" && !(await this.ready(this.timeoutMs))) {
      throw new Error(`redis is not connected (${this.redis.status})`);
    }
    try {
      return await this.redis.evalsha(which.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("NOSCRIPT")) {
        return this.redis.eval(which.source, keys.length, ...keys, ...args);
      }
      throw error;
    }
  }

  async snapshot(ids: readonly string[], now: number): Promise<Map<string, DeploymentState>> {
    const keys = ids.flatMap((id) => this.keys(id, now));
    const rows = (await this.run(SCRIPTS.snapshot, keys, [now])) as string[][];
    const out = new Map<string, DeploymentState>();
    ids.forEach((id, index) => {
      const row = rows[index] ?? [];
      const number = (at: number) => {
        const text = row[at];
        return text === undefined || text === "" ? undefined : Number(text);
      };
      out.set(id, {
        inFlight: number(5) ?? 0,
        rpmUsed: number(6) ?? 0,
        tpmUsed: number(7) ?? 0,
        latencyMs: number(3),
        ttftMs: number(4),
        ...healthOf(number(0) ?? 0, number(1) ?? 0, number(2) ?? 0, now),
      });
    });
    return out;
  }

  async admit(id: string, admission: Admission, now: number): Promise<AdmitResult> {
    const lease = this.nextId();
    const [admitted, detail] = (await this.run(SCRIPTS.admit, this.keys(id, now), [
      now,
      admission.rpm ?? 0,
      admission.tpm ?? 0,
      admission.maxParallel ?? 0,
      Math.max(0, Math.round(admission.tokens)),
      Math.round(admission.leaseMs),
      Math.round(admission.probeMs),
      lease,
    ])) as [number, number | string];
    if (admitted === 1) return { admitted: true, lease, probe: detail === 1 };
    return { admitted: false, why: detail as "rpm" | "tpm" | "parallel" | "cooling" };
  }

  async release(id: string, lease: string, outcome: ReleaseOutcome, now: number): Promise<void> {
    await this.run(SCRIPTS.release, this.keys(id, now), [
      lease,
      outcome.latencyMs === undefined ? "" : outcome.latencyMs.toFixed(2),
      outcome.ttftMs === undefined ? "" : outcome.ttftMs.toFixed(2),
      Math.round(outcome.tokenCorrection ?? 0),
      LATENCY_ALPHA,
      LATENCY_TTL_MS,
    ]);
  }

  async recordFailure(id: string, policy: FailurePolicy, now: number): Promise<boolean> {
    const [st] = this.keys(id, now);
    const result = await this.run(
      SCRIPTS.failure,
      [st, `${this.prefix}${id}:f`],
      [
        now,
        policy.allowedFails,
        Math.round(policy.windowMs),
        Math.round(policy.cooldownMs),
        policy.immediate ? 1 : 0,
        HALF_OPEN_TTL_MS,
        this.nextId(),
      ],
    );
    return result === 1;
  }

  async recordSuccess(id: string, now: number): Promise<void> {
    const [st] = this.keys(id, now);
    await this.run(SCRIPTS.success, [st], [now]);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private nextId(): string {
    this.counter = (this.counter + 1) % Number.MAX_SAFE_INTEGER;
    return `${this.processId}:${this.counter}`;
  }
}
