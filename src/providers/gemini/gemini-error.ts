import type { ErrorKind } from "../../core/errors/error-kind.js";
import { GatewayError } from "../../core/errors/gateway-error.js";
import { parseRetryAfterMs } from "../shared/retry-after.js";
import { shorten } from "../shared/upstream-errors.js";
import { tryParseJson } from "../shared/upstream-json.js";
import { type GeminiErrorBody, geminiErrorBodySchema } from "./gemini-api.js";

export const GEMINI_PROVIDER_ID = "gemini";

const CONTEXT_WINDOW =
  /input token count|exceeds the maximum number of tokens|too many tokens|context (window|length)/i;

/**
 * Maps a Gemini / Vertex error by its RPC `error.status` name (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, …) and
 * `details[]` (ErrorInfo reason, RetryInfo delay), falling back to the HTTP status only when the body has no
 * status. Error bodies on `alt=sse` URLs are still plain JSON (sometimes wrapped in an array).
 */
export function parseGeminiError(
  status: number,
  bodyText: string,
  headers: Record<string, string | string[] | undefined>,
  provider: string = GEMINI_PROVIDER_ID,
): GatewayError {
  const body = errorBodyOf(tryParseJson(bodyText));
  return geminiError(body, status, provider, parseRetryAfterMs(headers));
}

export function errorBodyOf(value: unknown): GeminiErrorBody | undefined {
  const candidate = Array.isArray(value) ? value[0] : value;
  const parsed = geminiErrorBodySchema.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

export function geminiError(
  body: GeminiErrorBody | undefined,
  status: number,
  provider: string,
  headerRetryAfterMs?: number,
): GatewayError {
  const error = body?.error;
  const rpcStatus = error?.status;
  const message = error?.message;
  const reason = errorInfoReason(body);
  const kind = kindOf(rpcStatus, reason, message, error?.code ?? status);
  const retryAfterMs = retryDelay(body) ?? headerRetryAfterMs;
  return new GatewayError(kind, messageFor(kind, message, provider), {
    provider,
    upstreamStatus: status,
    reason: reason ?? rpcStatus ?? `http_${status}`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

function kindOf(
  rpcStatus: string | undefined,
  reason: string | undefined,
  message: string | undefined,
  status: number,
): ErrorKind {
  if (
    reason === "API_KEY_INVALID" ||
    reason === "API_KEY_SERVICE_BLOCKED" ||
    reason === "ACCESS_TOKEN_EXPIRED"
  ) {
    return "upstream_auth";
  }
  switch (rpcStatus) {
    case "INVALID_ARGUMENT":
    case "FAILED_PRECONDITION":
    case "OUT_OF_RANGE":
      return message !== undefined && CONTEXT_WINDOW.test(message)
        ? "context_window_exceeded"
        : "upstream_bad_request";
    case "UNAUTHENTICATED":
    case "PERMISSION_DENIED":
      return "upstream_auth";
    case "NOT_FOUND":
      return "model_not_found";
    case "RESOURCE_EXHAUSTED":
      return "upstream_rate_limited";
    case "UNAVAILABLE":
    case "INTERNAL":
    case "UNKNOWN":
    case "ABORTED":
    case "CANCELLED":
      return "upstream_unavailable";
    case "DEADLINE_EXCEEDED":
      return "timeout";
    default:
      break;
  }
  if (status === 401 || status === 403) return "upstream_auth";
  if (status === 404) return "model_not_found";
  if (status === 429) return "upstream_rate_limited";
  if (status === 408 || status === 504) return "timeout";
  if (status >= 500) return "upstream_unavailable";
  if (status >= 400) return "upstream_bad_request";
  return "upstream_protocol";
}

function errorInfoReason(body: GeminiErrorBody | undefined): string | undefined {
  for (const detail of body?.error.details ?? []) {
    if (detail["@type"]?.endsWith("google.rpc.ErrorInfo") && typeof detail["reason"] === "string")
      return detail["reason"];
  }
  return undefined;
}

function retryDelay(body: GeminiErrorBody | undefined): number | undefined {
  for (const detail of body?.error.details ?? []) {
    if (detail["@type"]?.endsWith("google.rpc.RetryInfo") && typeof detail["retryDelay"] === "string") {
      return durationToMs(detail["retryDelay"]);
    }
  }
  return undefined;
}

function messageFor(kind: ErrorKind, upstreamMessage: string | undefined, provider: string): string {
  const name = provider === GEMINI_PROVIDER_ID ? "Gemini" : "Vertex AI";
  if (kind === "upstream_auth")
    return `The ${name} upstream rejected the gateway's credentials for this deployment.`;
  const detail = upstreamMessage === undefined ? "" : `: ${shorten(upstreamMessage)}`;
  switch (kind) {
    case "upstream_rate_limited":
      return `${name} rate-limited the request${detail}`;
    case "upstream_unavailable":
      return `${name} is unavailable${detail}`;
    case "context_window_exceeded":
      return `The prompt does not fit the model's context window${detail}`;
    case "model_not_found":
      return `${name} does not serve the configured model${detail}`;
    default:
      return `${name} rejected the request${detail}`;
  }
}

/** Google's protobuf Duration JSON form ("34.4s") in milliseconds. */
function durationToMs(duration: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(duration.trim());
  if (match === null) return undefined;
  return Math.round(Number(match[1]) * 1000);
}
