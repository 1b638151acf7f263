import type { ErrorKind } from "../../core/errors/error-kind.js";
import { GatewayError } from "../../core/errors/gateway-error.js";
import { scrubSecrets } from "../../shared/secret-scrubber.js";
import type { HeaderRecord } from "./headers.js";
import { parseRetryAfterMs } from "./retry-after.js";
import { tryParseJson } from "./upstream-json.js";

/**
 * Helpers for turning upstream failures into GatewayErrors the same way in every provider: a status decides the
 * kind only when the provider's own error type does not (a 401/403 is always *our* credential problem), upstream
 * text is kept short, and `Retry-After` is read once.
 */

/** The kind a bare HTTP status implies, for providers whose body names no error type. */
export function kindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return "upstream_auth";
  if (status === 404) return "model_not_found";
  if (status === 408 || status === 504) return "timeout";
  if (status === 429) return "upstream_rate_limited";
  if (status === 413) return "context_window_exceeded";
  if (status >= 500) return "upstream_unavailable";
  return "upstream_bad_request";
}

const CONTEXT_OVERFLOW =
  /context (?:length|window)|maximum context|too many (?:input )?tokens|input is too long|prompt is too long|too long for (?:the )?model|exceeds? (?:the )?(?:max(?:imum)?|model'?s?) (?:context|input|token)/i;

/** Whether an upstream 400 message says the prompt does not fit (so the router may fall back to a larger model). */
export function looksLikeContextOverflow(message: string): boolean {
  return CONTEXT_OVERFLOW.test(message);
}

/**
 * Upstream text is not ours: scrub it, then keep it short in our messages. Scrubbing comes first so that a cut
 * never leaves half a secret that no longer matches.
 */
export function shorten(message: string, limit = 500): string {
  const trimmed = scrubSecrets(message).trim();
  return trimmed.length <= limit ? trimmed : `${trimmed.slice(0, limit)}…`;
}

/**
 * A message from a JSON error body of any common shape: `error.message`, `error` as a string, `message`,
 * `Message`, `detail` (string or list of `{msg}`).
 */
export function messageFromErrorBody(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (typeof error === "string" && error !== "") return error;
  if (typeof error === "object" && error !== null) {
    const nested = (error as Record<string, unknown>).message;
    if (typeof nested === "string" && nested !== "") return nested;
  }
  for (const key of ["message", "Message", "detail"]) {
    const value = record[key];
    if (typeof value === "string" && value !== "") return value;
  }
  const detail = record.detail;
  if (Array.isArray(detail)) {
    const parts = detail
      .map((item) =>
        typeof item === "object" && item !== null ? (item as Record<string, unknown>).msg : undefined,
      )
      .filter((item): item is string => typeof item === "string");
    if (parts.length > 0) return parts.join("; ");
  }
  return undefined;
}

export interface UpstreamErrorInit {
  provider: string;
  /** Human label for messages ("Bedrock", "Cohere"). */
  label: string;
  kind: ErrorKind;
  message?: string;
  status?: number;
  reason?: string;
  retryAfterMs?: number;
}

/** One GatewayError for an upstream failure, with the upstream text shortened and the provider named. */
export function upstreamError(init: UpstreamErrorInit): GatewayError {
  const detail = init.message === undefined || init.message.trim() === "" ? "" : `: ${shorten(init.message)}`;
  // An auth failure's upstream text is not passed on: some providers echo part of the credential in it.
  const text =
    init.kind === "upstream_auth"
      ? `The ${init.label} upstream rejected the gateway's credentials${init.status === undefined ? "" : ` (HTTP ${init.status})`}. Check the deployment's credentials.`
      : `${init.label} returned an error${detail}`;
  return new GatewayError(init.kind, text, {
    provider: init.provider,
    reason: init.reason ?? defaultReason(init.kind),
    upstreamStatus: init.status,
    retryAfterMs: init.retryAfterMs,
  });
}

function defaultReason(kind: ErrorKind): string {
  switch (kind) {
    case "upstream_rate_limited":
      return "rate_limit_exceeded";
    case "context_window_exceeded":
      return "context_length_exceeded";
    case "model_not_found":
      return "model_not_found";
    default:
      return kind;
  }
}

/**
 * The generic mapping for a non-2xx answer whose body carries no error type we know: status decides, a context
 * overflow message upgrades a 400, and `Retry-After` is kept.
 */
export function errorFromStatus(
  provider: string,
  label: string,
  status: number,
  bodyText: string,
  headers: HeaderRecord,
): GatewayError {
  const message =
    messageFromErrorBody(tryParseJson(bodyText)) ?? (bodyText.trim().startsWith("<") ? "" : bodyText);
  let kind = kindForStatus(status);
  if (
    (kind === "upstream_bad_request" || kind === "context_window_exceeded") &&
    looksLikeContextOverflow(message)
  ) {
    kind = "context_window_exceeded";
  } else if (kind === "context_window_exceeded") {
    kind = "upstream_bad_request";
  }
  return upstreamError({ provider, label, kind, message, status, retryAfterMs: parseRetryAfterMs(headers) });
}
