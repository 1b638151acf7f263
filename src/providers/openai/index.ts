import type { HttpProviderAdapter } from "../../core/types/provider.js";
import {
  buildOpenAIRequest,
  OPENAI_DEFAULT_BASE,
  OPENAI_WIRE,
  type OpenAIWireOptions,
} from "./convert-to-openai-request.js";
import { createOpenAICompletions } from "./openai-completions.js";
import { openAIEmbeddingsFor } from "./openai-embeddings.js";
import { parseOpenAIError } from "./openai-error.js";
import { createOpenAIModerations } from "./openai-moderations.js";
import { OpenAIStreamDecoder } from "./openai-stream-decoder.js";
import { parseOpenAIResponse } from "./parse-openai-response.js";

/**
 * The OpenAI Chat Completions wire format: OpenAI itself, and any OpenAI-compatible server through `api_base`.
 * OpenAI-compatible families reuse it with their own wire options (base URL, auth header, quirks).
 */
export function createOpenAICompatibleProvider(wire: OpenAIWireOptions): HttpProviderAdapter {
  return {
    kind: "http",
    id: wire.provider,
    capabilities: [
      "streaming",
      "tools",
      "parallel_tools",
      "vision",
      "json_schema",
      "json_object",
      "reasoning",
      "logprobs",
      "n",
    ],
    framing: "sse",
    buildRequest: (request, context) => buildOpenAIRequest(request, context, wire),
    parseResponse: (body) => parseOpenAIResponse(wire.provider, body),
    createStreamDecoder: () => new OpenAIStreamDecoder(wire.provider),
    parseError: (status, bodyText, headers) => parseOpenAIError(wire.provider, status, bodyText, headers),
  };
}

export const openaiProvider: HttpProviderAdapter = {
  ...createOpenAICompatibleProvider(OPENAI_WIRE),
  environment: {
    apiKey: ["OPENAI_API_KEY"],
    apiBase: ["OPENAI_BASE_URL", "OPENAI_API_BASE"],
    discovery: "api-key",
  },
  // --- embeddings (issue 14): `/v1/embeddings`, base64 passed through, token-id inputs, 2,048 a call ---
  embeddings: openAIEmbeddingsFor("openai", OPENAI_DEFAULT_BASE),
  // --- legacy text completions (issue 14): `/v1/completions` (gpt-3.5-turbo-instruct, or any server via api_base) ---
  completions: createOpenAICompletions(OPENAI_WIRE),
  // --- moderations (issue 14): `/v1/moderations`, passed to OpenAI (or a server on its wire via api_base) ---
  moderations: createOpenAIModerations(OPENAI_WIRE),
};
