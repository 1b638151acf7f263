import type { ErrorKind } from "../core/errors/error-kind.js";
import { type GatewayError, toGatewayError } from "../core/errors/gateway-error.js";
import { renderOpenAIError } from "../rest/openai-error.js";

/**
 * The library's errors: one class per family of the gateway's error kinds (LiteLLM's and OpenAI's SDK names),
 * each with the HTTP `status`, the OpenAI `type` and `code` the proxy would answer with, the `param` that was
 * wrong, the `provider` that failed and the gateway's `kind`, so that `catch (e) { if (e instanceof RateLimitError) … }`
 * works the same in-process as against the proxy.
 */
export class SwitchboardError extends Error {
  override readonly name: string = "SwitchboardError";
  /** The HTTP status the proxy answers with for this error. */
  readonly status: number;
  /** OpenAI's error `type` (`invalid_request_error`, `rate_limit_error`, …). */
  readonly type: string;
  /** OpenAI's error `code` (`model_not_found`, `context_length_exceeded`, …) or the gateway's reason. */
  readonly code: string | null;
  /** The request field that was wrong, when one was. */
  readonly param: string | null;
  /** The provider whose answer this is, when the error came from one. */
  readonly provider: string | undefined;
  /** The gateway's error kind (src/core/errors/error-kind.ts). */
  readonly kind: ErrorKind;
  /** How long the provider asked us to wait, ms. */
  readonly retryAfterMs: number | undefined;

  constructor(error: GatewayError) {
    super(error.message, { cause: error });
    const rendered = renderOpenAIError(error);
    this.status = rendered.status;
    this.type = rendered.body.error.type;
    this.code = rendered.body.error.code;
    this.param = rendered.body.error.param;
    this.provider = error.provider;
    this.kind = error.kind;
    this.retryAfterMs = error.retryAfterMs;
  }
}

/** The request is malformed, names a parameter the provider cannot take, or the provider refused it as invalid. */
export class BadRequestError extends SwitchboardError {
  override readonly name: string = "BadRequestError";
}
/** The prompt does not fit the model's context window. */
export class ContextWindowExceededError extends BadRequestError {
  override readonly name: string = "ContextWindowExceededError";
}
/** The provider refused on content policy. */
export class ContentPolicyViolationError extends BadRequestError {
  override readonly name: string = "ContentPolicyViolationError";
}
/** No or wrong credentials (the caller's, or the provider rejected the key the call used). */
export class AuthenticationError extends SwitchboardError {
  override readonly name: string = "AuthenticationError";
}
export class PermissionDeniedError extends SwitchboardError {
  override readonly name: string = "PermissionDeniedError";
}
/** The model (or group) is not served. */
export class NotFoundError extends SwitchboardError {
  override readonly name: string = "NotFoundError";
}
/** A rate limit or budget (the provider's or a configured one). */
export class RateLimitError extends SwitchboardError {
  override readonly name: string = "RateLimitError";
}
/** An attempt timed out (connect, first token, idle, total). */
export class TimeoutError extends SwitchboardError {
  override readonly name: string = "TimeoutError";
}
/** The connection to the provider failed, or it answered with something unreadable. */
export class APIConnectionError extends SwitchboardError {
  override readonly name: string = "APIConnectionError";
}
/** The provider is overloaded or no deployment can take the request now. */
export class ServiceUnavailableError extends SwitchboardError {
  override readonly name: string = "ServiceUnavailableError";
}
/** The call's AbortSignal fired. */
export class AbortedError extends SwitchboardError {
  override readonly name: string = "AbortedError";
}
/** A bug or unexpected state. */
export class InternalServerError extends SwitchboardError {
  override readonly name: string = "InternalServerError";
}

/** Any thrown value → the typed error of its kind (exhaustive: a new kind is a compile error here). */
export function toLibraryError(thrown: unknown): SwitchboardError {
  if (thrown instanceof SwitchboardError) return thrown;
  const error = toGatewayError(thrown);
  switch (error.kind) {
    case "invalid_request":
    case "unsupported_parameter":
    case "upstream_bad_request":
    case "payload_too_large":
      return new BadRequestError(error);
    case "context_window_exceeded":
      return new ContextWindowExceededError(error);
    case "content_policy":
    case "guardrail_violation":
      return new ContentPolicyViolationError(error);
    case "authentication":
    case "upstream_auth":
      return new AuthenticationError(error);
    case "permission_denied":
      return new PermissionDeniedError(error);
    case "not_found":
    case "model_not_found":
      return new NotFoundError(error);
    case "rate_limited":
    case "budget_exceeded":
    case "upstream_rate_limited":
      return new RateLimitError(error);
    case "timeout":
      return new TimeoutError(error);
    case "connection_error":
    case "upstream_protocol":
      return new APIConnectionError(error);
    case "upstream_unavailable":
    case "unavailable":
      return new ServiceUnavailableError(error);
    case "cancelled":
      return new AbortedError(error);
    case "conflict":
    case "internal":
      return new InternalServerError(error);
  }
}
