import type { GatewayError } from "../../core/errors/gateway-error.js";
import { parseOpenAIError } from "../openai/openai-error.js";
import type { HeaderRecord } from "../shared/headers.js";

/**
 * Azure errors use OpenAI's envelope; a filtered prompt is a 400 with `code: "content_filter"` (and
 * `innererror.content_filter_result`), which OpenAI's mapping turns into content_policy.
 */
export function parseAzureError(status: number, bodyText: string, headers: HeaderRecord): GatewayError {
  return parseOpenAIError("azure", status, bodyText, headers);
}
