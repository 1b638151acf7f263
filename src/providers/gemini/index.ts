import { GatewayError } from "../../core/errors/gateway-error.js";
import type { Deployment } from "../../core/types/deployment.js";
import type { HttpProviderAdapter, UpstreamRequest } from "../../core/types/provider.js";
import { modelPathSegment } from "../shared/model-path-segment.js";
import { convertToGeminiBody } from "./convert-to-gemini-request.js";
import { createGeminiEmbeddings } from "./gemini-embeddings.js";
import { GEMINI_PROVIDER_ID, parseGeminiError } from "./gemini-error.js";
import { GeminiStreamDecoder } from "./gemini-stream-decoder.js";
import { parseGeminiResponse } from "./parse-gemini-response.js";

export const GEMINI_DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com";

/** `models/gemini-2.5-flash` and `gemini-2.5-flash` name the same model. */
export function geminiModelId(model: string): string {
  return model.startsWith("models/") ? model.slice("models/".length) : model;
}

/**
 * `…/v1beta/models/{model}:generateContent`, or `:streamGenerateContent?alt=sse` for streams. The model is one
 * encoded path segment (`.`, `..` and `/` refused).
 */
export function geminiUrl(deployment: Deployment, stream: boolean): string {
  const base = (deployment.params.apiBase ?? GEMINI_DEFAULT_BASE_URL).replace(/\/+$/, "");
  const version = deployment.params.apiVersion ?? "v1beta";
  const method = stream ? "streamGenerateContent?alt=sse" : "generateContent";
  return `${base}/${version}/models/${modelPathSegment(geminiModelId(deployment.model), GEMINI_PROVIDER_ID)}:${method}`;
}

/**
 * Google AI Studio (`gemini/<model>`). The key travels in the `x-goog-api-key` header and never in the URL,
 * because URLs end up in access logs and error messages.
 */
export const geminiProvider: HttpProviderAdapter = {
  kind: "http",
  id: GEMINI_PROVIDER_ID,
  environment: { apiKey: ["GEMINI_API_KEY"], apiBase: ["GEMINI_API_BASE"], discovery: "api-key" },
  capabilities: [
    "streaming",
    "tools",
    "parallel_tools",
    "vision",
    "json_schema",
    "json_object",
    "reasoning",
    "n",
  ],
  framing: "sse",
  buildRequest(request, context): UpstreamRequest {
    const apiKey = context.deployment.params.apiKey;
    if (apiKey === undefined || apiKey === "") {
      throw new GatewayError("upstream_auth", "The Gemini deployment has no API key configured.", {
        provider: GEMINI_PROVIDER_ID,
        reason: "missing_credentials",
      });
    }
    const model = geminiModelId(context.deployment.model);
    return {
      url: geminiUrl(context.deployment, context.stream),
      method: "POST",
      headers: {
        ...context.deployment.params.extraHeaders,
        ...request.upstreamHeaders,
        "content-type": "application/json",
        "x-goog-api-key": apiKey,
      },
      body: JSON.stringify(convertToGeminiBody(request, model, GEMINI_PROVIDER_ID)),
    };
  },
  parseResponse: (body, context) =>
    parseGeminiResponse(body, {
      provider: GEMINI_PROVIDER_ID,
      model: geminiModelId(context.deployment.model),
    }),
  createStreamDecoder: (request, context) =>
    new GeminiStreamDecoder({
      provider: GEMINI_PROVIDER_ID,
      model: geminiModelId(context.deployment.model),
      candidates: request.n ?? 1,
    }),
  parseError: (status, bodyText, headers) => parseGeminiError(status, bodyText, headers, GEMINI_PROVIDER_ID),
  // --- embeddings (issue 14): batchEmbedContents, 100 a call (gemini-embeddings.ts) ---
  embeddings: createGeminiEmbeddings({ defaultBaseUrl: GEMINI_DEFAULT_BASE_URL, modelId: geminiModelId }),
};
