import type { ErrorKind } from "../../core/errors/error-kind.js";
import type { GatewayError } from "../../core/errors/gateway-error.js";
import { type HeaderRecord, headerText } from "../shared/headers.js";
import { parseRetryAfterMs } from "../shared/retry-after.js";
import { kindForStatus, looksLikeContextOverflow, upstreamError } from "../shared/upstream-errors.js";
import { tryParseJson } from "../shared/upstream-json.js";
import { bedrockErrorBodySchema } from "./bedrock-api.js";

const PROVIDER = "bedrock";
const LABEL = "Bedrock";

/**
 * Bedrock names its error class only in the `x-amzn-ErrorType` header (`ValidationException:http://…`, the part
 * after `:` stripped) or, for a wrong path, in `Output.__type`; in a stream, in `:exception-type`
 * (lowerCamelCase). The class decides the kind; the status is the fallback.
 */
export function kindForBedrockException(
  type: string | undefined,
  status: number,
  message: string,
): ErrorKind {
  switch (cleanType(type)) {
    case "throttlingexception":
    case "servicequotaexceededexception":
    case "toomanyrequestsexception":
      return "upstream_rate_limited";
    case "serviceunavailableexception":
    case "modelstreamerrorexception":
    case "modelerrorexception":
    case "modelnotreadyexception":
    case "internalserverexception":
    case "internalfailure":
      return "upstream_unavailable";
    case "modeltimeoutexception":
      return "timeout";
    case "accessdeniedexception":
    case "unrecognizedclientexception":
    case "expiredtokenexception":
    case "invalidsignatureexception":
    case "incompletesignature":
    case "incompletesignatureexception":
    case "missingauthenticationtokenexception":
    case "missingauthenticationtoken":
      return "upstream_auth";
    case "resourcenotfoundexception":
      return "model_not_found";
    case "validationexception":
      if (/model identifier is invalid/i.test(message)) return "model_not_found";
      return looksLikeContextOverflow(message) ? "context_window_exceeded" : "upstream_bad_request";
    case "unknownoperationexception":
      return "upstream_bad_request";
    default:
      if (/model identifier is invalid/i.test(message)) return "model_not_found";
      if (status === 400 && looksLikeContextOverflow(message)) return "context_window_exceeded";
      return kindForStatus(status);
  }
}

/** `ValidationException:http://internal.amazon.com/…` → `validationexception`; `com.amazon.coral.service#X` → `x`. */
function cleanType(type: string | undefined): string {
  if (type === undefined) return "";
  const withoutNamespace = type.includes("#") ? type.slice(type.lastIndexOf("#") + 1) : type;
  const colon = withoutNamespace.indexOf(":");
  return (colon === -1 ? withoutNamespace : withoutNamespace.slice(0, colon)).trim().toLowerCase();
}

function reasonFor(kind: ErrorKind, type: string | undefined): string | undefined {
  const cleaned = cleanType(type);
  if (kind === "upstream_rate_limited" || kind === "context_window_exceeded" || kind === "model_not_found") {
    return undefined;
  }
  return cleaned === "" ? undefined : cleaned;
}

/** A non-2xx Bedrock answer → GatewayError. */
export function parseBedrockError(status: number, bodyText: string, headers: HeaderRecord): GatewayError {
  const parsed = bedrockErrorBodySchema.safeParse(tryParseJson(bodyText));
  const body = parsed.success ? parsed.data : undefined;
  const type = headerText(headers, "x-amzn-errortype") ?? body?.Output?.__type ?? undefined;
  const message =
    body?.message ?? body?.Message ?? (body?.Output?.__type ? cleanType(body.Output.__type) : "");
  const kind = kindForBedrockException(type, status, message);
  return upstreamError({
    provider: PROVIDER,
    label: LABEL,
    kind,
    message,
    status,
    reason: reasonFor(kind, type),
    retryAfterMs: parseRetryAfterMs(headers),
  });
}

/** An exception message inside a 200 ConverseStream → GatewayError (thrown by the decoder). */
export function bedrockStreamException(exceptionType: string | undefined, payload: string): GatewayError {
  const parsed = bedrockErrorBodySchema.safeParse(tryParseJson(payload));
  const message = parsed.success ? (parsed.data.message ?? parsed.data.Message ?? "") : "";
  const kind = kindForBedrockException(exceptionType, 500, message);
  return upstreamError({
    provider: PROVIDER,
    label: LABEL,
    kind,
    message,
    reason: reasonFor(kind, exceptionType),
  });
}
