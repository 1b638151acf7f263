import type { EmbedInput, EmbedRequest } from "../../core/embeddings/embed-types.js";
import type { EmbeddingAdapter } from "../../core/embeddings/embedding-adapter.js";
import type { Deployment } from "../../core/types/deployment.js";
import type { UpstreamRequest } from "../../core/types/provider.js";
import { geminiTaskType, geminiTitle } from "../gemini/convert-to-gemini-embed-request.js";
import { parseGeminiEmbedContentResponse } from "../gemini/parse-gemini-embed-response.js";
import { embeddingProtocolError, readVector, tokenCount } from "../shared/embedding-vectors.js";
import { asArray, asObject } from "../shared/json.js";
import type { VertexAuthenticator } from "./vertex-auth.js";
import { VERTEX_PROVIDER_ID } from "./vertex-error.js";
import { vertexLocation } from "./vertex-url.js";

const NAMESPACES = [VERTEX_PROVIDER_ID, "vertex", "google"];

/**
 * Which Vertex method a model takes: gemini-embedding-2 only `:embedContent` (one value a call); every other
 * model `:predict` — gemini-embedding-001 with one instance a call (Vertex's limit for it), text-embedding-00x
 * and text-multilingual-embedding with up to 250.
 */
function methodOf(model: string): { method: "embedContent" | "predict"; perCall: number } {
  const id = model.startsWith("models/") ? model.slice("models/".length) : model;
  if (id.startsWith("gemini-embedding-2")) return { method: "embedContent", perCall: 1 };
  if (id.startsWith("gemini-embedding-001")) return { method: "predict", perCall: 1 };
  return { method: "predict", perCall: 250 };
}

function modelId(model: string): string {
  return model.startsWith("models/") ? model.slice("models/".length) : model;
}

/** `:predict` body: `instances[].content` (+ snake-case `task_type`, `title`), `parameters.outputDimensionality`. */
export function convertToVertexPredictBody(
  request: EmbedRequest,
  input: EmbedInput,
): Record<string, unknown> {
  const texts = input.kind === "text" ? input.texts : [];
  const taskType = geminiTaskType(request, NAMESPACES);
  const title = geminiTitle(request, NAMESPACES);
  return {
    instances: texts.map((content) => ({
      content,
      ...(taskType !== undefined ? { task_type: taskType } : {}),
      ...(title !== undefined ? { title } : {}),
    })),
    ...(request.dimensions !== undefined ? { parameters: { outputDimensionality: request.dimensions } } : {}),
  };
}

/** `:embedContent` body (gemini-embedding-2: task types are not read; callers condition with a text prefix). */
export function convertToVertexEmbedContentBody(
  request: EmbedRequest,
  input: EmbedInput,
): Record<string, unknown> {
  const text = input.kind === "text" ? (input.texts[0] ?? "") : "";
  return {
    content: { parts: [{ text }] },
    ...(request.dimensions !== undefined ? { outputDimensionality: request.dimensions } : {}),
  };
}

/** `:predict` answer: `predictions[].embeddings.values`, usage as the sum of `statistics.token_count`. */
export function parseVertexPredictResponse(body: unknown): {
  vectors: ReturnType<typeof readVector>[];
  promptTokens: number | undefined;
} {
  const predictions = asArray(asObject(body)?.["predictions"]);
  if (predictions === undefined) throw embeddingProtocolError(VERTEX_PROVIDER_ID, "no 'predictions' list");
  let tokens: number | undefined = 0;
  const vectors = predictions.map((prediction) => {
    const embeddings = asObject(asObject(prediction)?.["embeddings"]);
    const count = tokenCount(asObject(embeddings?.["statistics"])?.["token_count"]);
    tokens = tokens === undefined || count === undefined ? undefined : tokens + count;
    return readVector(embeddings?.["values"], VERTEX_PROVIDER_ID);
  });
  return { vectors, promptTokens: tokens };
}

function urlFor(deployment: Deployment, project: string | undefined, method: string): string {
  const model = encodeURIComponent(modelId(deployment.model));
  if (project === undefined) {
    // Express mode (API key): the global publisher path.
    const base = (deployment.params.apiBase ?? "https://aiplatform.googleapis.com").replace(/\/+$/, "");
    return `${base}/${deployment.params.apiVersion ?? "v1"}/publishers/google/models/${model}:${method}`;
  }
  const location = vertexLocation(deployment);
  const host =
    deployment.params.apiBase?.replace(/\/+$/, "") ??
    (location === "global"
      ? "https://aiplatform.googleapis.com"
      : `https://${location}-aiplatform.googleapis.com`);
  return `${host}/${deployment.params.apiVersion ?? "v1"}/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/google/models/${model}:${method}`;
}

/** Vertex AI embeddings with the provider's own authenticator (service-account OAuth or an express-mode key). */
export function createVertexEmbeddings(authenticator: VertexAuthenticator): EmbeddingAdapter {
  return {
    maxInputsPerCall: (deployment) => methodOf(deployment.model).perCall,
    acceptsTokens: false,
    options: ["task_type", "taskType", "title"],
    async buildRequest(request, input, context): Promise<UpstreamRequest> {
      const { deployment } = context;
      const { method } = methodOf(deployment.model);
      const body = JSON.stringify(
        method === "predict"
          ? convertToVertexPredictBody(request, input)
          : convertToVertexEmbedContentBody(request, input),
      );
      const auth = await authenticator.authFor(deployment);
      const headers: Record<string, string> = {
        ...deployment.params.extraHeaders,
        "content-type": "application/json",
      };
      if (auth.kind === "bearer") headers["authorization"] = `Bearer ${auth.token}`;
      else headers["x-goog-api-key"] = auth.apiKey;
      return {
        url: urlFor(deployment, auth.kind === "bearer" ? auth.project : undefined, method),
        method: "POST",
        headers,
        body,
      };
    },
    parseResponse(body, context) {
      return methodOf(context.deployment.model).method === "predict"
        ? parseVertexPredictResponse(body)
        : parseGeminiEmbedContentResponse(VERTEX_PROVIDER_ID, body);
    },
  };
}
