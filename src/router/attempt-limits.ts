import type { Deployment } from "../core/types/deployment.js";
import type { AttemptLimits } from "../core/types/provider.js";
import { DEFAULT_ATTEMPT_LIMITS } from "../core/types/provider.js";
import type { RoutableRequest } from "../core/types/routing.js";

export interface TimeoutDefaults {
  /** Per-attempt total (LiteLLM `timeout`), ms. */
  timeoutMs: number;
  /** Time to first token for streams (LiteLLM `stream_timeout`), ms. */
  streamTimeoutMs: number;
  /** Longest silence between two chunks, ms. */
  idleTimeoutMs: number;
  /** TCP/TLS connect, ms. */
  connectTimeoutMs: number;
}

/**
 * One attempt's limits: the deployment's own `timeout`/`stream_timeout` else the router's, shortened (never
 * lengthened) by the request's `timeout`, and every one bounded by what is left of the caller's deadline, so the
 * deadline bounds all attempts together. The executor enforces them.
 */
export function attemptLimits(
  deployment: Deployment,
  request: RoutableRequest,
  stream: boolean,
  defaults: TimeoutDefaults,
  remainingMs: number,
): AttemptLimits {
  const total = Math.max(
    1,
    Math.min(
      deployment.params.timeoutMs ?? defaults.timeoutMs,
      request.routing?.timeoutMs ?? Number.POSITIVE_INFINITY,
      remainingMs,
    ),
  );
  const first = stream ? (deployment.params.streamTimeoutMs ?? defaults.streamTimeoutMs) : total;
  return {
    ...DEFAULT_ATTEMPT_LIMITS,
    connectTimeoutMs: Math.min(defaults.connectTimeoutMs, total),
    firstByteTimeoutMs: Math.min(first, total),
    idleTimeoutMs: Math.min(defaults.idleTimeoutMs, total),
    totalTimeoutMs: total,
  };
}
