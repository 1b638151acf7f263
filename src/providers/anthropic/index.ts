import type { HttpProviderAdapter } from "../../core/types/provider.js";
import { ANTHROPIC_PROVIDER_ID, parseAnthropicError } from "./anthropic-error.js";
import { AnthropicStreamDecoder } from "./anthropic-stream-decoder.js";
import { buildAnthropicRequest } from "./convert-to-anthropic-request.js";
import { parseAnthropicResponse } from "./parse-anthropic-response.js";

/** Anthropic Messages API (`anthropic/<model>`): pure translation, SSE framing with `event:` lines. */
export const anthropicProvider: HttpProviderAdapter = {
  kind: "http",
  id: ANTHROPIC_PROVIDER_ID,
  capabilities: ["streaming", "tools", "parallel_tools", "vision", "json_schema", "json_object", "reasoning"],
  environment: {
    apiKey: ["ANTHROPIC_API_KEY"],
    apiBase: ["ANTHROPIC_API_BASE", "ANTHROPIC_BASE_URL"],
    discovery: "api-key",
  },
  framing: "sse",
  buildRequest: (request, context) => buildAnthropicRequest(request, context.deployment, context.stream),
  parseResponse: (body) => parseAnthropicResponse(body),
  createStreamDecoder: () => new AnthropicStreamDecoder(),
  parseError: parseAnthropicError,
};
