import type { ErrorKind } from "../core/errors/error-kind.js";

/**
 * LiteLLM names its per-error settings (`retry_policy`, `allowed_fails_policy`) after its exception classes; the
 * router decides on our ErrorKinds. This is the one mapping between the two.
 */
export type ErrorClass =
  | "badRequest"
  | "authentication"
  | "timeout"
  | "rateLimit"
  | "contentPolicyViolation"
  | "internalServer";

/** Per-class counts, as `retry_policy` and `allowed_fails_policy` give them. */
export type ErrorClassCounts = Partial<Record<ErrorClass, number>>;

/** The LiteLLM class an upstream failure belongs to; undefined for kinds that are not an upstream's doing. */
export function errorClassOf(kind: ErrorKind): ErrorClass | undefined {
  switch (kind) {
    case "upstream_bad_request":
    case "context_window_exceeded":
      return "badRequest";
    case "upstream_auth":
      return "authentication";
    case "timeout":
      return "timeout";
    case "upstream_rate_limited":
      return "rateLimit";
    case "content_policy":
      return "contentPolicyViolation";
    case "upstream_unavailable":
    case "connection_error":
    case "upstream_protocol":
      return "internalServer";
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
    case "guardrail_violation":
    case "unavailable":
    case "cancelled":
    case "internal":
      return undefined;
  }
}
