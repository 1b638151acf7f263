import type { ErrorKind } from "../errors/error-kind.js";
import type { RequestRouting } from "./chat.js";

/**
 * What the router reads of a request, whatever the operation (chat, embeddings): the model it names and the
 * caller's routing overrides. Chat and embeddings requests both are one.
 */
export interface RoutableRequest {
  model: string;
  routing?: RequestRouting;
}

/** One call to one deployment made while serving a request. */
export interface Attempt {
  deployment: string;
  provider: string;
  model: string;
  /** "ok" or the error kind that ended the attempt. */
  outcome: "ok" | ErrorKind;
  latencyMs: number;
  /** Why this attempt was made: the first pick, a retry in the same group, a fallback, a hedge, a half-open probe. */
  reason?: AttemptReason;
  /** The model group this attempt served (differs from the requested group on a fallback). */
  modelGroup?: string;
  /** How long the router waited (backoff, Retry-After) before this attempt, ms. */
  backoffMs?: number;
  /**
   * Set when no upstream call was made: `model_access` is a configured fallback group the caller's key may not
   * use (listed so the log says why it was passed over; `deployment` then holds the group's name); `guardrail` is a
   * request a guardrail stopped before any upstream call (`deployment` then holds the guardrail's name, so the
   * ledger records the refusal).
   */
  skipped?: "model_access" | "guardrail";
  /** When this attempt started and ended (epoch ms): each ledger row carries its own attempt's times. */
  startedAt?: number;
  endedAt?: number;
}

/**
 * Why an attempt was made. `fallback` is the generic `fallbacks` list (or `default_fallbacks`, or the request's own
 * list); the other two fallbacks are taken on their error kinds; `probe` is the one request let through to a
 * deployment whose cooldown just ended (half-open).
 */
export type AttemptReason =
  | "primary"
  | "retry"
  | "fallback"
  | "context_window_fallback"
  | "content_policy_fallback"
  | "hedge"
  | "probe";

/** What served a request, reported on REST headers and as the first Connect stream event. */
export interface RoutingInfo {
  modelGroup: string;
  deployment: string;
  provider: string;
  model: string;
  attempts: Attempt[];
}
