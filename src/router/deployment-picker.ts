import { setTimeout as delay } from "node:timers/promises";
import type { ModelGroup } from "../core/catalog/model-catalog.js";
import { GatewayError } from "../core/errors/gateway-error.js";
import { eligible, maxParallelOf } from "./eligibility.js";
import { type Admitted, type RequestRun, remainingMs, type Settled, stateKey } from "./request-run.js";
import type { RouterOptions } from "./router-options.js";
import type { DeploymentState } from "./state/deployment-state.js";
import type { RouterStateStore } from "./state/state-store.js";
import type { Strategy } from "./strategies/index.js";

/** How long a half-open probe holds a deployment before someone else may probe it, at most. */
const PROBE_HOLD_MS = 30_000;
/** Extra life of an in-flight lease beyond the attempt's total timeout (a dead process's lease then expires). */
const LEASE_SLACK_MS = 5_000;

/**
 * One routing decision within a group: state snapshot → eligibility → strategy → atomic admission in the state
 * store (again on a lost race), waiting for a Retry-After when that is all that stands in the way.
 */
export class DeploymentPicker {
  constructor(
    private readonly store: RouterStateStore,
    private readonly strategy: Strategy,
    private readonly options: RouterOptions,
  ) {}

  /**
   * Picks a deployment; when the only ones left asked us (Retry-After) to wait a little, waits for the earliest of
   * them if that fits in the deadline and in `maxRetryAfterWaitMs`.
   */
  async pickWaitingForRetryAfter<T>(
    group: ModelGroup,
    tried: ReadonlySet<string>,
    running: ReadonlySet<string>,
    run: RequestRun<T>,
  ): Promise<Settled<{ admitted: Admitted; waitedMs: number }>> {
    const now = Date.now();
    const waiting = new Set(running);
    let earliest = Number.POSITIVE_INFINITY;
    for (const deployment of group.deployments) {
      const until = run.notBefore.get(deployment.id) ?? 0;
      if (until > now) {
        waiting.add(deployment.id);
        earliest = Math.min(earliest, until);
      }
    }
    const first = await this.pick(group, tried, waiting, run);
    if (first.ok || !Number.isFinite(earliest)) {
      return first.ok ? { ok: true, value: { admitted: first.value, waitedMs: 0 } } : first;
    }
    const wait = earliest - Date.now();
    if (wait > Math.min(this.options.maxRetryAfterWaitMs, remainingMs(run.context))) return first;
    if (wait > 0) await delay(wait, undefined, { signal: run.context.signal }).catch(() => undefined);
    if (run.context.signal.aborted) return first;
    const second = await this.pick(group, tried, running, run);
    return second.ok ? { ok: true, value: { admitted: second.value, waitedMs: Math.max(0, wait) } } : second;
  }

  /** One routing decision: snapshot → eligibility → strategy → atomic admission (again on a lost race). */
  async pick<T>(
    group: ModelGroup,
    tried: ReadonlySet<string>,
    exclude: ReadonlySet<string>,
    run: RequestRun<T>,
  ): Promise<Settled<Admitted>> {
    const now = Date.now();
    const promptTokens = run.resolved.prompt.tokens;
    const keys = [...new Set(group.deployments.map(stateKey))];
    const snapshot = await this.store.snapshot(keys, now);
    const states = new Map<string, DeploymentState>();
    for (const deployment of group.deployments) {
      const state = snapshot.get(stateKey(deployment));
      if (state !== undefined) states.set(deployment.id, state);
    }
    const excluded = new Set(exclude);
    const contextCheck =
      this.options.enablePreCallChecks || this.options.contextWindowFallbacks[group.name] !== undefined;
    for (let round = 0; round <= group.deployments.length; round++) {
      const eligibility = eligible(group.deployments, states, {
        tried,
        excluded,
        promptTokens,
        contextCheck,
        defaultMaxParallel: this.options.defaultMaxParallelRequests,
        now,
      });
      if (eligibility.kind === "blocked") {
        return {
          ok: false,
          error: blockedError(group.name, eligibility.why, eligibility.retryAfterMs, promptTokens),
        };
      }
      const candidate = this.strategy(eligibility.candidates, {
        random: this.options.random,
        stream: run.stream,
        tokens: promptTokens,
        args: { lowestLatencyBuffer: this.options.lowestLatencyBuffer },
      });
      if (candidate === undefined) break;
      const { deployment } = candidate;
      const total = Math.min(deployment.params.timeoutMs ?? this.options.timeoutMs, remainingMs(run.context));
      const maxParallel = maxParallelOf(deployment, this.options.defaultMaxParallelRequests);
      const result = await this.store.admit(
        stateKey(deployment),
        {
          ...(deployment.params.rpm !== undefined ? { rpm: deployment.params.rpm } : {}),
          ...(deployment.params.tpm !== undefined ? { tpm: deployment.params.tpm } : {}),
          ...(maxParallel !== undefined ? { maxParallel } : {}),
          tokens: promptTokens,
          leaseMs: Math.min(total, 3_600_000) + LEASE_SLACK_MS,
          probeMs: Math.min(total, PROBE_HOLD_MS),
        },
        now,
      );
      if (result.admitted) {
        return {
          ok: true,
          value: {
            deployment,
            key: stateKey(deployment),
            lease: result.lease,
            probe: result.probe,
            state: candidate.state,
          },
        };
      }
      // Lost a race with another request or replica: mark it and choose again from the rest.
      excluded.add(deployment.id);
      if (result.why === "cooling") states.set(deployment.id, { ...candidate.state, health: "cooling" });
    }
    return { ok: false, error: blockedError(group.name, "capacity", undefined, promptTokens) };
  }

  /** Ends an admitted attempt's lease, off the response path: a slow store must not delay the answer. */
  release(
    admitted: Admitted,
    outcome: { latencyMs?: number; ttftMs?: number; tokenCorrection?: number },
  ): void {
    void this.store.release(admitted.key, admitted.lease, outcome, Date.now()).catch(() => undefined);
  }
}

/** Why nothing in a group can take the request now, as the error the caller (or the fallback logic) sees. */
function blockedError(
  group: string,
  why: "cooling" | "capacity" | "context_window",
  retryAfterMs: number | undefined,
  promptTokens: number,
): GatewayError {
  switch (why) {
    case "cooling":
      return new GatewayError(
        "unavailable",
        `Every deployment of model group '${group}' is cooling down after failures; try again later.`,
        { reason: "deployments_cooling_down", ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
      );
    case "capacity":
      return new GatewayError(
        "upstream_rate_limited",
        `Every deployment of model group '${group}' is at its rpm, tpm or parallel-request limit.`,
        { reason: "deployments_at_capacity", ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
      );
    case "context_window":
      return new GatewayError(
        "context_window_exceeded",
        `The prompt (about ${promptTokens} tokens) does not fit the context window of model group '${group}'.`,
        { reason: "context_window_precheck" },
      );
  }
}
