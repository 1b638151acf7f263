import type { ErrorKind } from "../core/errors/error-kind.js";
import type { GatewayError } from "../core/errors/gateway-error.js";
import { rateLimitHeaders } from "./metering-headers.js";

export interface OpenAIErrorRendering {
  status: number;
  body: { error: { message: string; type: string; param: string | null; code: string | null } };
  headers: Record<string, string>;
}

function statusAndType(kind: ErrorKind): [number, string, string | null] {
  switch (kind) {
    case "invalid_request":
      return [400, "invalid_request_error", null];
    case "unsupported_parameter":
      return [400, "invalid_request_error", "unsupported_parameter"];
    case "authentication":
      return [401, "authentication_error", "invalid_api_key"];
    case "permission_denied":
      return [403, "permission_error", "permission_denied"];
    case "not_found":
      return [404, "invalid_request_error", "not_found"];
    case "model_not_found":
      return [404, "invalid_request_error", "model_not_found"];
    case "payload_too_large":
      return [413, "invalid_request_error", "request_too_large"];
    case "rate_limited":
      return [429, "rate_limit_error", "rate_limit_exceeded"];
    case "budget_exceeded":
      return [429, "insufficient_quota", "insufficient_quota"];
    case "conflict":
      return [409, "invalid_request_error", "conflict"];
    case "upstream_rate_limited":
      return [429, "rate_limit_error", "upstream_rate_limited"];
    case "upstream_auth":
      return [502, "upstream_error", "upstream_authentication_failed"];
    case "upstream_bad_request":
      return [400, "invalid_request_error", "upstream_bad_request"];
    case "context_window_exceeded":
      return [400, "invalid_request_error", "context_length_exceeded"];
    case "content_policy":
      return [400, "invalid_request_error", "content_policy_violation"];
    case "guardrail_violation":
      return [400, "invalid_request_error", "guardrail_violation"];
    case "upstream_unavailable":
      return [503, "service_unavailable_error", "upstream_unavailable"];
    case "timeout":
      return [504, "timeout_error", "timeout"];
    case "connection_error":
      return [502, "upstream_error", "upstream_connection_error"];
    case "upstream_protocol":
      return [502, "upstream_error", "upstream_protocol_error"];
    case "unavailable":
      return [503, "service_unavailable_error", "unavailable"];
    case "cancelled":
      return [499, "cancelled", "cancelled"];
    case "internal":
      return [500, "server_error", "internal_error"];
  }
}

/** GatewayError → OpenAI's `{error:{message,type,param,code}}` with the HTTP status and Retry-After. */
export function renderOpenAIError(error: GatewayError): OpenAIErrorRendering {
  const [status, type, code] = statusAndType(error.kind);
  const headers: Record<string, string> = {};
  if (error.retryAfterMs !== undefined && (status === 429 || status === 503)) {
    headers["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
    headers["retry-after-ms"] = String(Math.ceil(error.retryAfterMs));
  }
  if (error.limit !== undefined)
    Object.assign(headers, rateLimitHeaders({ ...error.limit, name: error.limit.metric }));
  return {
    status,
    headers,
    body: {
      error: { message: error.message, type, param: error.param ?? null, code: code ?? error.reason ?? null },
    },
  };
}
