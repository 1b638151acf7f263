import type { ErrorKind } from "../../core/errors/error-kind.js";
import { GatewayError } from "../../core/errors/gateway-error.js";
import type { HeaderRecord } from "../shared/headers.js";
import { asObject, asString } from "../shared/json.js";
import { parseRetryAfterMs } from "../shared/retry-after.js";
import { tryParseJson } from "../shared/upstream-json.js";

/**
 * Maps an OpenAI-style error answer (`{error:{message,type,param,code}}`) to our kinds, by its `code`/`type`
 * first and the HTTP status second. An upstream 401/403 is our credential problem and its message is not passed
 * on (it can echo part of the key).
 */
export function parseOpenAIError(
  provider: string,
  status: number,
  bodyText: string,
  headers: HeaderRecord,
): GatewayError {
  const error = asObject(asObject(tryParseJson(bodyText))?.["error"]);
  const code = asString(error?.["code"]) ?? "";
  const type = asString(error?.["type"]) ?? "";
  const param = asString(error?.["param"]);
  const upstreamMessage =
    asString(error?.["message"]) ?? asString(asObject(tryParseJson(bodyText))?.["message"]);
  const retryAfterMs = parseRetryAfterMs(headers);

  let kind: ErrorKind;
  if (code === "context_length_exceeded" || code === "string_above_max_length")
    kind = "context_window_exceeded";
  else if (code === "content_policy_violation" || code === "content_filter") kind = "content_policy";
  else if (status === 401 || status === 403) kind = "upstream_auth";
  else if (status === 429) kind = "upstream_rate_limited";
  else if (status === 404) kind = "model_not_found";
  else if (status === 408) kind = "timeout";
  else if (status >= 500 || status === 409) kind = "upstream_unavailable";
  else if (status >= 400) kind = "upstream_bad_request";
  else kind = "upstream_protocol";

  const message =
    kind === "upstream_auth"
      ? `Provider '${provider}' rejected the gateway's credentials (HTTP ${status}). Check the deployment's api_key.`
      : `Provider '${provider}' returned HTTP ${status}${upstreamMessage ? `: ${upstreamMessage}` : "."}`;
  return new GatewayError(kind, message, {
    provider,
    upstreamStatus: status,
    param: kind === "upstream_bad_request" ? param : undefined,
    reason: code || type || undefined,
    retryAfterMs,
  });
}
