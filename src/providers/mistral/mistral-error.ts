import type { GatewayError } from "../../core/errors/gateway-error.js";
import { parseOpenAIError } from "../openai/openai-error.js";
import type { HeaderRecord } from "../shared/headers.js";
import { asObject } from "../shared/json.js";
import { errorFromStatus } from "../shared/upstream-errors.js";
import { tryParseJson } from "../shared/upstream-json.js";

/**
 * Mistral errors come as OpenAI's envelope, as a flat `{"object":"error","message","type","code"}`, or as a 422
 * `{"detail":[{msg,…}]}` validation list. The envelope goes through OpenAI's mapping; the others through the
 * generic status mapping, which reads flat messages and detail lists.
 */
export function parseMistralError(status: number, bodyText: string, headers: HeaderRecord): GatewayError {
  const body = asObject(tryParseJson(bodyText));
  if (asObject(body?.["error"]) !== undefined) return parseOpenAIError("mistral", status, bodyText, headers);
  return errorFromStatus("mistral", "Mistral", status, bodyText, headers);
}
