import type { EmbeddingAdapter } from "../../core/embeddings/embedding-adapter.js";
import type { Deployment } from "../../core/types/deployment.js";
import { convertToOpenAIEmbedBody, type OpenAIEmbedWire } from "./convert-to-openai-embed-request.js";
import { parseOpenAIEmbedResponse } from "./parse-openai-embed-response.js";

export interface OpenAIEmbeddingsOptions extends OpenAIEmbedWire {
  provider: string;
  /** Where `/embeddings` is and how to authenticate, per deployment (credentials resolved here, never logged). */
  target(deployment: Deployment): { url: string; headers: Record<string, string>; model: string };
  /** Inputs per call (OpenAI 2048). */
  maxInputsPerCall: number;
  acceptsTokens: boolean;
}

/** Embeddings on OpenAI's wire, for OpenAI itself and every host that speaks it. */
export function createOpenAIEmbeddings(options: OpenAIEmbeddingsOptions): EmbeddingAdapter {
  return {
    maxInputsPerCall: () => options.maxInputsPerCall,
    acceptsTokens: options.acceptsTokens,
    options: [],
    buildRequest(request, input, context) {
      const target = options.target(context.deployment);
      return {
        url: target.url,
        method: "POST",
        headers: { ...target.headers, "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(convertToOpenAIEmbedBody(request, input, target.model, options)),
      };
    },
    parseResponse: (body, context) => parseOpenAIEmbedResponse(options.provider, body, context.count),
  };
}

/** OpenAI's `/v1/embeddings`: the caller's encoding passes through, token-id inputs too, 2,048 inputs a call. */
export function openAIEmbeddingsFor(provider: string, defaultBase: string): EmbeddingAdapter {
  return createOpenAIEmbeddings({
    provider,
    passEncoding: true,
    sendUser: true,
    maxInputsPerCall: 2048,
    acceptsTokens: true,
    target(deployment) {
      const params = deployment.params;
      const base = (params.apiBase ?? defaultBase).replace(/\/+$/, "");
      const headers: Record<string, string> = { ...params.extraHeaders };
      if (params.apiKey !== undefined && params.apiKey.length > 0)
        headers["authorization"] = `Bearer ${params.apiKey}`;
      if (params.organization !== undefined) headers["openai-organization"] = params.organization;
      return { url: `${base}/embeddings`, headers, model: deployment.model };
    },
  });
}
