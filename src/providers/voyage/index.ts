import type { EmbeddingAdapter } from "../../core/embeddings/embedding-adapter.js";
import { GatewayError } from "../../core/errors/gateway-error.js";
import type { HttpProviderAdapter } from "../../core/types/provider.js";
import { parseOpenAIEmbedResponse } from "../openai/parse-openai-embed-response.js";
import { baseUrl, resolveApiKey } from "../shared/api-key.js";
import { convertToVoyageEmbedBody } from "./convert-to-voyage-embed-request.js";
import { parseVoyageError } from "./voyage-error.js";
import { createVoyageRerank } from "./voyage-rerank.js";

/** Environment variables read by the Voyage provider. */
export const VOYAGE_ENV_VARS = ["VOYAGE_API_KEY"] as const;

function noChat(): never {
  throw new GatewayError("invalid_request", "Voyage AI serves embeddings (and rerank), not chat.", {
    param: "model",
    provider: "voyage",
    reason: "invalid_request",
  });
}

/** Voyage AI embeddings, 128 texts a call. Options: `input_type`, `truncation`. */
const voyageEmbeddings: EmbeddingAdapter = {
  maxInputsPerCall: () => 128,
  acceptsTokens: false,
  options: ["input_type", "truncation"],
  buildRequest(request, input, context) {
    const deployment = context.deployment;
    const key = resolveApiKey(deployment, "voyage", VOYAGE_ENV_VARS);
    return {
      url: `${baseUrl(deployment, "https://api.voyageai.com/v1")}/embeddings`,
      method: "POST",
      headers: {
        ...deployment.params.extraHeaders,
        "content-type": "application/json",
        accept: "application/json",
        authorization: `Bearer ${key}`,
      },
      body: JSON.stringify(convertToVoyageEmbedBody(request, input, deployment.model)),
    };
  },
  parseResponse: (body, context) => parseOpenAIEmbedResponse("voyage", body, context.count),
  parseError: parseVoyageError,
};

/**
 * Voyage AI (`voyage/<model>`): an embeddings-only provider. It declares no chat capability; a chat request to a
 * Voyage model is a 400 naming the model.
 */
export const voyageProvider: HttpProviderAdapter = {
  kind: "http",
  id: "voyage",
  environment: { apiKey: VOYAGE_ENV_VARS, apiBase: [] },
  capabilities: [],
  framing: "sse",
  buildRequest: noChat,
  parseResponse: noChat,
  createStreamDecoder: noChat,
  parseError: parseVoyageError,
  // --- embeddings (issue 14) ---
  embeddings: voyageEmbeddings,
  // --- rerank (issue 14): `/v1/rerank` (voyage-rerank.ts) ---
  rerank: createVoyageRerank(VOYAGE_ENV_VARS),
};
