import type { HttpProviderAdapter, UpstreamRequest } from "../../core/types/provider.js";
import { convertToGeminiBody } from "../gemini/convert-to-gemini-request.js";
import { GeminiStreamDecoder } from "../gemini/gemini-stream-decoder.js";
import { geminiModelId } from "../gemini/index.js";
import { parseGeminiResponse } from "../gemini/parse-gemini-response.js";
import { modelPathSegment } from "../shared/model-path-segment.js";
import { VertexAuthenticator, type VertexAuthOptions } from "./vertex-auth.js";
import { createVertexEmbeddings } from "./vertex-embeddings.js";
import { parseVertexError, VERTEX_PROVIDER_ID } from "./vertex-error.js";
import { vertexUrl } from "./vertex-url.js";

/**
 * Vertex AI Gemini models (`vertex_ai/<model>`): the Gemini translators with Vertex URLs and Google OAuth.
 * The only async step is credential acquisition (a cached service-account token), as the adapter contract
 * allows. Express-mode API keys go in `x-goog-api-key`, never the URL.
 */
export function createVertexProvider(options: VertexAuthOptions = {}): HttpProviderAdapter {
  const authenticator = new VertexAuthenticator(options);
  return {
    kind: "http",
    id: VERTEX_PROVIDER_ID,
    priceFamily: ["gemini"],
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
    async buildRequest(request, context): Promise<UpstreamRequest> {
      const { deployment } = context;
      const model = geminiModelId(deployment.model);
      // Translate first: a request we would reject costs no token exchange.
      const body = JSON.stringify(convertToGeminiBody(request, model, VERTEX_PROVIDER_ID));
      const auth = await authenticator.authFor(deployment);
      const headers: Record<string, string> = {
        ...deployment.params.extraHeaders,
        ...request.upstreamHeaders,
        "content-type": "application/json",
      };
      let url: string;
      if (auth.kind === "bearer") {
        headers["authorization"] = `Bearer ${auth.token}`;
        url = vertexUrl(deployment, auth.project, context.stream);
      } else {
        headers["x-goog-api-key"] = auth.apiKey;
        const base = (deployment.params.apiBase ?? "https://aiplatform.googleapis.com").replace(/\/+$/, "");
        const method = context.stream ? "streamGenerateContent?alt=sse" : "generateContent";
        url = `${base}/${deployment.params.apiVersion ?? "v1"}/publishers/google/models/${modelPathSegment(model, VERTEX_PROVIDER_ID)}:${method}`;
      }
      return { url, method: "POST", headers, body };
    },
    parseResponse: (body, context) =>
      parseGeminiResponse(body, {
        provider: VERTEX_PROVIDER_ID,
        model: geminiModelId(context.deployment.model),
      }),
    createStreamDecoder: (request, context) =>
      new GeminiStreamDecoder({
        provider: VERTEX_PROVIDER_ID,
        model: geminiModelId(context.deployment.model),
        candidates: request.n ?? 1,
      }),
    parseError: parseVertexError,
    // --- embeddings (issue 14): :predict / :embedContent with the same credentials (vertex-embeddings.ts) ---
    embeddings: createVertexEmbeddings(authenticator),
  };
}

export const vertexProvider: HttpProviderAdapter = createVertexProvider();
