import { type ErrorKind, isRetryableKind } from "../core/errors/error-kind.js";
import { type ErrorClassCounts, errorClassOf } from "./error-classes.js";

export interface RetryPolicyOptions {
  /** Retries after the first attempt for retryable kinds (LiteLLM `num_retries`). */
  numRetries: number;
  /** Per-class overrides (LiteLLM `retry_policy`). */
  perClass: ErrorClassCounts;
  /** Minimum wait before any retry, ms (LiteLLM `retry_after`). */
  minWaitMs: number;
  /** First backoff step, ms; doubled per retry, with full jitter. */
  baseBackoffMs: number;
  /** Largest backoff step, ms. */
  maxBackoffMs: number;
}

/**
 * Kinds a `retry_policy` entry may turn on although they are not retryable by default: another deployment may hold
 * another credential (auth) or sit at another provider (content policy, bad request). Everything the caller or the
 * gateway caused (invalid request, cancelled, limits, internal) is never retried, whatever the config says, and
 * a context-window error goes to `context_window_fallbacks` instead.
 */
function mayOptIn(kind: ErrorKind): boolean {
  return kind === "upstream_auth" || kind === "content_policy" || kind === "upstream_bad_request";
}

/** How many retries a failure of this kind gets within the model group. */
export function retriesFor(kind: ErrorKind, options: RetryPolicyOptions): number {
  const errorClass = errorClassOf(kind);
  const configured = errorClass === undefined ? undefined : options.perClass[errorClass];
  if (isRetryableKind(kind)) return configured ?? options.numRetries;
  if (mayOptIn(kind)) return configured ?? 0;
  return 0;
}

/**
 * Wait before retry number `retry` (0 for the first): full jitter over an exponential step (AWS architecture
 * blog's "full jitter"), never less than `retry_after`. An upstream Retry-After is honoured separately, per
 * deployment, by the router (it only matters when the retry goes back to that deployment).
 */
export function backoffMs(retry: number, options: RetryPolicyOptions, random: () => number): number {
  const step = Math.min(options.maxBackoffMs, options.baseBackoffMs * 2 ** Math.min(retry, 30));
  return Math.max(options.minWaitMs, Math.floor(random() * step));
}
