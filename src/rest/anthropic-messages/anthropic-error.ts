import type { ErrorKind } from "../../core/errors/error-kind.js";
import type { GatewayError } from "../../core/errors/gateway-error.js";
import { type HttpResponse, sendJson } from "../http-io.js";
import { rateLimitHeaders } from "../metering-headers.js";

/** Anthropic's error `type`s (SDK `ErrorType`, plus `request_too_large` from the errors page). */
export type AnthropicErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "timeout_error"
  | "overloaded_error";

/**
 * ErrorKind → Anthropic's status and type (docs.anthropic.com/en/api/errors): 400 invalid_request_error,
 * 401 authentication_error, 403 permission_error, 404 not_found_error, 413 request_too_large,
 * 429 rate_limit_error, 500 api_error, 504 timeout_error, 529 overloaded_error. As on the chat surface, an
 * upstream's credential failure is ours (a 5xx), never the caller's 401.
 */
function statusAndType(kind: ErrorKind): [number, AnthropicErrorType] {
  switch (kind) {
    case "invalid_request":
    case "unsupported_parameter":
    case "upstream_bad_request":
    case "context_window_exceeded":
    case "content_policy":
    case "guardrail_violation":
      return [400, "invalid_request_error"];
    case "conflict":
      return [409, "invalid_request_error"];
    case "authentication":
      return [401, "authentication_error"];
    case "permission_denied":
      return [403, "permission_error"];
    case "not_found":
    case "model_not_found":
      return [404, "not_found_error"];
    case "payload_too_large":
      return [413, "request_too_large"];
    case "rate_limited":
    case "budget_exceeded":
    case "upstream_rate_limited":
      return [429, "rate_limit_error"];
    case "upstream_unavailable":
    case "unavailable":
      return [529, "overloaded_error"];
    case "timeout":
      return [504, "timeout_error"];
    case "upstream_auth":
    case "connection_error":
    case "upstream_protocol":
      return [502, "api_error"];
    case "cancelled":
      return [499, "api_error"];
    case "internal":
      return [500, "api_error"];
  }
}

export interface AnthropicErrorRendering {
  status: number;
  body: { type: "error"; error: { type: AnthropicErrorType; message: string }; request_id: string };
  headers: Record<string, string>;
}

/**
 * GatewayError → `{"type":"error","error":{"type","message"},"request_id"}`. A context-window error says
 * "prompt is too long" as Anthropic's does (Claude Code compacts the conversation on that text). A spent
 * budget is a 429 that tells the SDK not to retry (`x-should-retry: false`): waiting does not refill it soon.
 */
export function renderAnthropicError(error: GatewayError, requestId: string): AnthropicErrorRendering {
  const [status, type] = statusAndType(error.kind);
  const headers: Record<string, string> = { "request-id": requestId };
  if (error.retryAfterMs !== undefined && (status === 429 || status === 529)) {
    headers["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  }
  if (error.kind === "budget_exceeded") headers["x-should-retry"] = "false";
  if (error.limit !== undefined)
    Object.assign(headers, rateLimitHeaders({ ...error.limit, name: error.limit.metric }));
  let message = error.message;
  if (error.kind === "context_window_exceeded" && !/prompt is too long/i.test(message)) {
    message = `prompt is too long: ${message}`;
  }
  return { status, headers, body: { type: "error", error: { type, message }, request_id: requestId } };
}

/** Sends the error as JSON (before any byte of an answer); returns the status. */
export function sendAnthropicError(
  response: HttpResponse,
  error: GatewayError,
  headers: Record<string, string>,
): number {
  const requestId = headers["x-request-id"] ?? "";
  const rendered = renderAnthropicError(error, requestId);
  const extra: Record<string, string> = { ...headers, ...rendered.headers };
  if (error.kind === "payload_too_large" && response.req.httpVersionMajor === 1)
    extra["connection"] = "close";
  sendJson(response, rendered.status, rendered.body, extra);
  return rendered.status;
}

/** The in-stream form, after 200 was sent: one `event: error`, then the stream ends (no `message_stop`). */
export function anthropicErrorEvent(error: GatewayError, requestId: string): string {
  const { body } = renderAnthropicError(error, requestId);
  return `event: error\ndata: ${JSON.stringify({ type: "error", error: body.error })}\n\n`;
}
