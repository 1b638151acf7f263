import type { ErrorKind } from "../../core/errors/error-kind.js";
import { GatewayError } from "../../core/errors/gateway-error.js";
import { parseRetryAfterMs } from "../shared/retry-after.js";
import { shorten } from "../shared/upstream-errors.js";
import { tryParseJson } from "../shared/upstream-json.js";
import { anthropicErrorBodySchema } from "./anthropic-api.js";

export const ANTHROPIC_PROVIDER_ID = "anthropic";

const CONTEXT_WINDOW =
  /prompt is too long|context window|context length|exceeds? the maximum (number of )?tokens/i;

/**
 * Maps an Anthropic error (HTTP answer or in-stream `error` event) to our kinds by `error.type` — the SDK's
 * `ErrorType` union — and falls back to the status only when the body has no type. An upstream 401/403 is our
 * credential problem (`upstream_auth`), 529 / `overloaded_error` is retryable unavailability.
 */
export function parseAnthropicError(
  status: number,
  bodyText: string,
  headers: Record<string, string | string[] | undefined>,
): GatewayError {
  const parsed = anthropicErrorBodySchema.safeParse(tryParseJson(bodyText));
  const type = parsed.success ? parsed.data.error.type : undefined;
  const message = parsed.success ? parsed.data.error.message : undefined;
  return anthropicError(type, message, status, parseRetryAfterMs(headers));
}

/** Builds the GatewayError for an Anthropic error type; `status` is 200 for in-stream errors. */
export function anthropicError(
  type: string | undefined,
  upstreamMessage: string | undefined,
  status: number,
  retryAfterMs?: number,
): GatewayError {
  const kind = kindOf(type, upstreamMessage, status);
  const options = {
    provider: ANTHROPIC_PROVIDER_ID,
    upstreamStatus: status,
    reason: type ?? `http_${status}`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
  return new GatewayError(kind, messageFor(kind, upstreamMessage), options);
}

function kindOf(type: string | undefined, message: string | undefined, status: number): ErrorKind {
  switch (type) {
    case "invalid_request_error":
      return message !== undefined && CONTEXT_WINDOW.test(message)
        ? "context_window_exceeded"
        : "upstream_bad_request";
    case "authentication_error":
    case "permission_error":
    case "billing_error":
      return "upstream_auth";
    case "not_found_error":
      return message?.startsWith("model:") === true ? "model_not_found" : "upstream_bad_request";
    case "request_too_large":
      return "payload_too_large";
    case "rate_limit_error":
      return "upstream_rate_limited";
    case "overloaded_error":
    case "api_error":
      return "upstream_unavailable";
    case "timeout_error":
      return "timeout";
    default:
      return kindOfStatus(status);
  }
}

function kindOfStatus(status: number): ErrorKind {
  if (status === 401 || status === 403 || status === 402) return "upstream_auth";
  if (status === 404) return "model_not_found";
  if (status === 413) return "payload_too_large";
  if (status === 429) return "upstream_rate_limited";
  if (status === 408 || status === 504) return "timeout";
  if (status >= 500) return "upstream_unavailable";
  if (status >= 400) return "upstream_bad_request";
  return "upstream_protocol";
}

function messageFor(kind: ErrorKind, upstreamMessage: string | undefined): string {
  // Credential failures are our configuration problem; the caller gets no upstream detail about them.
  if (kind === "upstream_auth")
    return "The Anthropic upstream rejected the gateway's credentials for this deployment.";
  const detail = upstreamMessage === undefined ? "" : `: ${shorten(upstreamMessage)}`;
  switch (kind) {
    case "upstream_rate_limited":
      return `Anthropic rate-limited the request${detail}`;
    case "upstream_unavailable":
      return `Anthropic is unavailable or overloaded${detail}`;
    case "context_window_exceeded":
      return `The prompt does not fit the model's context window${detail}`;
    case "model_not_found":
      return `Anthropic does not serve the configured model${detail}`;
    default:
      return `Anthropic rejected the request${detail}`;
  }
}
