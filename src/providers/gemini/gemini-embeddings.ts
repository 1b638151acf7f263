import type { EmbeddingAdapter } from "../../core/embeddings/embedding-adapter.js";
import { GatewayError } from "../../core/errors/gateway-error.js";
import { convertToGeminiEmbedBody } from "./convert-to-gemini-embed-request.js";
import { GEMINI_PROVIDER_ID } from "./gemini-error.js";
import { parseGeminiEmbedResponse } from "./parse-gemini-embed-response.js";

/** `batchEmbedContents` takes at most 100 requests (101 is a 400 INVALID_ARGUMENT). */
export const GEMINI_EMBED_BATCH = 100;

/**
 * Google AI Studio embeddings: `…/models/{model}:batchEmbedContents`, 100 texts a call, the key in
 * `x-goog-api-key`. Options: `task_type`, `title`.
 */
export function createGeminiEmbeddings(names: {
  defaultBaseUrl: string;
  modelId: (model: string) => string;
}): EmbeddingAdapter {
  return {
    maxInputsPerCall: () => GEMINI_EMBED_BATCH,
    acceptsTokens: false,
    options: ["task_type", "taskType", "title"],
    buildRequest(request, input, context) {
      const deployment = context.deployment;
      const apiKey = deployment.params.apiKey;
      if (apiKey === undefined || apiKey === "") {
        throw new GatewayError("upstream_auth", "The Gemini deployment has no API key configured.", {
          provider: GEMINI_PROVIDER_ID,
          reason: "missing_credentials",
        });
      }
      const model = names.modelId(deployment.model);
      const base = (deployment.params.apiBase ?? names.defaultBaseUrl).replace(/\/+$/, "");
      const version = deployment.params.apiVersion ?? "v1beta";
      return {
        url: `${base}/${version}/models/${encodeURIComponent(model)}:batchEmbedContents`,
        method: "POST",
        headers: {
          ...deployment.params.extraHeaders,
          "content-type": "application/json",
          "x-goog-api-key": apiKey,
        },
        body: JSON.stringify(convertToGeminiEmbedBody(request, input, model, [GEMINI_PROVIDER_ID, "google"])),
      };
    },
    parseResponse: (body) => parseGeminiEmbedResponse(GEMINI_PROVIDER_ID, body),
  };
}
