import { scrubSecrets } from "../../shared/secret-scrubber.js";
import type { ErrorKind } from "./error-kind.js";

export interface GatewayErrorOptions {
  /** The request field at fault, as the caller spelled it (e.g. "messages[0].role"). */
  param?: string;
  /** A short machine-readable reason (e.g. "model_not_found", "unsupported_parameter"). */
  reason?: string;
  provider?: string;
  upstreamStatus?: number;
  /** How long the caller (or the router) should wait before trying again. */
  retryAfterMs?: number;
  /** For `rate_limited` and `budget_exceeded`: the limit that was hit, for `x-ratelimit-*` headers and metadata. */
  limit?: LimitDetail;
  cause?: unknown;
}

/** A caller-facing description of the limit that refused a request (never another tenant's data). */
export interface LimitDetail {
  /** "requests", "tokens", "dollars" or "parallel". */
  metric: string;
  /** Which limit, e.g. "key rpm_limit", "team max_budget (30d)". */
  name: string;
  limit: number;
  remaining: number;
  /** Until the window resets, ms (0 when it never does). */
  resetMs: number;
}

/**
 * The one error type of the gateway. Messages are written for the caller: they name the field and never carry
 * secrets, stack traces or upstream credentials. Upstream text enters the gateway only as a GatewayError, so the
 * constructor is the one point where it is scrubbed (configured secrets and credential shapes, GUARDS 8c).
 */
export class GatewayError extends Error {
  readonly kind: ErrorKind;
  readonly param: string | undefined;
  readonly reason: string | undefined;
  readonly provider: string | undefined;
  readonly upstreamStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly limit: LimitDetail | undefined;

  constructor(kind: ErrorKind, message: string, options: GatewayErrorOptions = {}) {
    super(scrubSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GatewayError";
    this.kind = kind;
    this.param = options.param === undefined ? undefined : scrubSecrets(options.param);
    this.reason = options.reason === undefined ? undefined : scrubSecrets(options.reason);
    this.provider = options.provider;
    this.upstreamStatus = options.upstreamStatus;
    this.retryAfterMs = options.retryAfterMs;
    this.limit = options.limit;
  }
}

/** Wraps anything thrown into a GatewayError without leaking its message (it may hold internals). */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof Error && error.name === "AbortError") {
    return new GatewayError("cancelled", "The request was cancelled.", { cause: error });
  }
  return new GatewayError("internal", "Internal error in the gateway.", { cause: error });
}

export function invalidRequest(message: string, param?: string): GatewayError {
  return new GatewayError("invalid_request", message, { param, reason: "invalid_request" });
}

export function unsupportedParameter(provider: string, param: string): GatewayError {
  return new GatewayError(
    "unsupported_parameter",
    `Parameter '${param}' is not supported by provider '${provider}'. Remove it, or set drop_params to drop it.`,
    { param, provider, reason: "unsupported_parameter" },
  );
}
