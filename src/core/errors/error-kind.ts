/**
 * Every failure the gateway can report, as one closed set. Retry, fallback and every rendering (HTTP status,
 * OpenAI error JSON, Connect code) switch exhaustively over it, so a new kind is a compile error everywhere it
 * must be handled.
 */
export const ERROR_KINDS = [
  /** The caller's request is malformed or out of range. */
  "invalid_request",
  /** A parameter the target provider cannot take (400 naming it, unless drop_params). */
  "unsupported_parameter",
  /** No or wrong credentials from the caller. */
  "authentication",
  /** The caller's credentials do not allow this. */
  "permission_denied",
  /** A route or resource that does not exist. */
  "not_found",
  /** The model the caller named is not served. */
  "model_not_found",
  /** The request body is larger than the configured limit. */
  "payload_too_large",
  /** The caller's own rate limit (key, team) is exhausted. */
  "rate_limited",
  /** The caller's budget is spent. */
  "budget_exceeded",
  /** A conflicting concurrent change (etag mismatch, already exists). */
  "conflict",
  /** The provider rate-limited us (429). Retryable, often on another deployment. */
  "upstream_rate_limited",
  /** The provider rejected our credential. Our configuration problem, never the caller's 401. */
  "upstream_auth",
  /** The provider rejected the request as invalid. Not retryable. */
  "upstream_bad_request",
  /** The prompt does not fit the model's context window. Fallback to a larger model may help. */
  "context_window_exceeded",
  /** The provider refused on content policy. */
  "content_policy",
  /** A gateway guardrail (docs/guardrails.md) blocked the request or its answer. Never retried. */
  "guardrail_violation",
  /** The provider is overloaded or failing (5xx, Anthropic 529). Retryable. */
  "upstream_unavailable",
  /** An attempt timed out (connect, first token, idle or total). Retryable. */
  "timeout",
  /** The connection to the provider failed or broke. Retryable. */
  "connection_error",
  /** The provider answered with something we cannot parse. */
  "upstream_protocol",
  /** No deployment can take the request now (all cooling down, shutting down). */
  "unavailable",
  /** The caller went away or cancelled. */
  "cancelled",
  /** A bug or an unexpected state inside the gateway. */
  "internal",
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Kinds that may succeed when tried again (same or other deployment), before any byte reached the caller. */
export function isRetryableKind(kind: ErrorKind): boolean {
  switch (kind) {
    case "upstream_rate_limited":
    case "upstream_unavailable":
    case "timeout":
    case "connection_error":
      return true;
    case "invalid_request":
    case "unsupported_parameter":
    case "authentication":
    case "permission_denied":
    case "not_found":
    case "model_not_found":
    case "payload_too_large":
    case "rate_limited":
    case "budget_exceeded":
    case "conflict":
    case "upstream_auth":
    case "upstream_bad_request":
    case "context_window_exceeded":
    case "content_policy":
    case "guardrail_violation":
    case "upstream_protocol":
    case "unavailable":
    case "cancelled":
    case "internal":
      return false;
  }
}
