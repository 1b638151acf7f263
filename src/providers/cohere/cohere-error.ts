import type { ErrorKind } from "../../core/errors/error-kind.js";
import type { GatewayError } from "../../core/errors/gateway-error.js";
import type { HeaderRecord } from "../shared/headers.js";
import { parseRetryAfterMs } from "../shared/retry-after.js";
import {
  kindForStatus,
  looksLikeContextOverflow,
  messageFromErrorBody,
  upstreamError,
} from "../shared/upstream-errors.js";
import { tryParseJson } from "../shared/upstream-json.js";

/**
 * Cohere error bodies are `{"message": "..."}` with the status carrying the class; Cohere adds 498 (invalid
 * token) and 402 (payment required) to the usual codes.
 */
export function kindForCohereStatus(status: number, message: string): ErrorKind {
  if (status === 498) return "upstream_auth";
  if ((status === 400 || status === 422) && looksLikeContextOverflow(message))
    return "context_window_exceeded";
  return kindForStatus(status);
}

export function parseCohereError(status: number, bodyText: string, headers: HeaderRecord): GatewayError {
  const message = messageFromErrorBody(tryParseJson(bodyText)) ?? "";
  const kind = kindForCohereStatus(status, message);
  return upstreamError({
    provider: "cohere",
    label: "Cohere",
    kind,
    message,
    status,
    ...(status === 402 ? { reason: "insufficient_quota" } : {}),
    retryAfterMs: parseRetryAfterMs(headers),
  });
}

/** An error reported inside a 200 stream: classify by its text. */
export function cohereStreamError(message: string): GatewayError {
  let kind: ErrorKind = "upstream_unavailable";
  if (/rate limit|too many requests|throttl/i.test(message)) kind = "upstream_rate_limited";
  else if (looksLikeContextOverflow(message)) kind = "context_window_exceeded";
  else if (/invalid|validation|bad request/i.test(message)) kind = "upstream_bad_request";
  return upstreamError({ provider: "cohere", label: "Cohere", kind, message });
}
