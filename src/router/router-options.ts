import { DEFAULT_ATTEMPT_LIMITS } from "../core/types/provider.js";
import type { ErrorClassCounts } from "./error-classes.js";
import type { RetryBudgetOptions } from "./retry-budget.js";
import type { RouterStateStore } from "./state/state-store.js";
import type { RoutingStrategy } from "./strategies/index.js";

export interface RouterOptions {
  /** Retries after the first attempt, for retryable kinds (LiteLLM `num_retries`). Default 2. */
  numRetries: number;
  /** Per-class retries (LiteLLM `retry_policy`). */
  retryPolicy: ErrorClassCounts;
  /** Minimum wait before a retry, ms (LiteLLM `retry_after`). Default 0. */
  retryAfterMs: number;
  /** First backoff step between retries, ms (doubled each retry, full jitter). Default 100. */
  retryBackoffMs: number;
  /** Largest backoff step, ms. Default 5000. */
  maxRetryBackoffMs: number;
  /** Longest upstream `Retry-After` the router waits for within one request before giving up on that deployment, ms. */
  maxRetryAfterWaitMs: number;
  /** Share of traffic retries (and fallbacks, hedges) may add, per process. */
  retryBudget: RetryBudgetOptions;
  /** Default per-attempt total timeout (LiteLLM `timeout` / `request_timeout`), ms. */
  timeoutMs: number;
  /** Default time to first token for streams (LiteLLM `stream_timeout`), ms. */
  streamTimeoutMs: number;
  /** Longest silence between two streamed chunks, ms. */
  idleTimeoutMs: number;
  /** `model_group_alias`: alias → group. */
  aliases: Record<string, string>;
  /** Aliases that route but are not listed. */
  hiddenAliases: string[];
  routingStrategy: RoutingStrategy;
  /** latency-based-routing: share load among deployments within this fraction of the fastest. */
  lowestLatencyBuffer: number;
  /** Failures per minute before a cooldown (LiteLLM `allowed_fails`). Default 3. */
  allowedFails: number;
  allowedFailsPolicy: ErrorClassCounts;
  /** Cooldown length, ms (LiteLLM `cooldown_time`). Default 5000. */
  cooldownMs: number;
  disableCooldowns: boolean;
  fallbacks: Record<string, string[]>;
  contextWindowFallbacks: Record<string, string[]>;
  contentPolicyFallbacks: Record<string, string[]>;
  defaultFallbacks: string[];
  /** Default 5. */
  maxFallbacks: number;
  /** Let a request name its own `fallbacks` (Switchboard's `allow_request_fallbacks`). Default false. */
  allowRequestFallbacks: boolean;
  /** Check the prompt against `max_input_tokens` before calling (LiteLLM `enable_pre_call_checks`). */
  enablePreCallChecks: boolean;
  /** Parallel-request limit for deployments that set none. */
  defaultMaxParallelRequests: number | undefined;
  /** Model group → start a second attempt when the first has not answered within this many ms. */
  hedgeAfterMs: Record<string, number>;
  /**
   * Where deployment state lives, built at the composition root (app.ts: Redis with a local fallback when
   * configured). Default: in this process.
   */
  stateStore: RouterStateStore | undefined;
  /** Uniform in [0, 1); injectable for tests. */
  random: () => number;
}

export const DEFAULT_ROUTER_OPTIONS: RouterOptions = {
  numRetries: 2,
  retryPolicy: {},
  retryAfterMs: 0,
  retryBackoffMs: 100,
  maxRetryBackoffMs: 5_000,
  maxRetryAfterWaitMs: 10_000,
  retryBudget: { ratio: 0.2, minPerSecond: 5 },
  timeoutMs: DEFAULT_ATTEMPT_LIMITS.totalTimeoutMs,
  streamTimeoutMs: DEFAULT_ATTEMPT_LIMITS.firstByteTimeoutMs,
  idleTimeoutMs: DEFAULT_ATTEMPT_LIMITS.idleTimeoutMs,
  aliases: {},
  hiddenAliases: [],
  routingStrategy: "simple-shuffle",
  lowestLatencyBuffer: 0.1,
  allowedFails: 3,
  allowedFailsPolicy: {},
  cooldownMs: 5_000,
  disableCooldowns: false,
  fallbacks: {},
  contextWindowFallbacks: {},
  contentPolicyFallbacks: {},
  defaultFallbacks: [],
  maxFallbacks: 5,
  allowRequestFallbacks: false,
  enablePreCallChecks: false,
  defaultMaxParallelRequests: undefined,
  hedgeAfterMs: {},
  stateStore: undefined,
  random: Math.random,
};
