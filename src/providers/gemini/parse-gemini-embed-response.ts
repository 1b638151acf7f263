import type { EmbedBatchResult } from "../../core/embeddings/embedding-adapter.js";
import { embeddingProtocolError, readVector, tokenCount } from "../shared/embedding-vectors.js";
import { asArray, asObject } from "../shared/json.js";

/**
 * `batchEmbedContents`: `embeddings[].values` in request order (no index). Usage: gemini-embedding-001 reports
 * none at all; gemini-embedding-2 reports `usageMetadata.promptTokenCount` (with `promptTokenDetails`, singular
 * "Token", and no total). None → undefined, and the gateway estimates.
 */
export function parseGeminiEmbedResponse(provider: string, body: unknown): EmbedBatchResult {
  const root = asObject(body);
  const embeddings = asArray(root?.["embeddings"]);
  if (root === undefined || embeddings === undefined)
    throw embeddingProtocolError(provider, "no 'embeddings' list");
  const vectors = embeddings.map((entry) => readVector(asObject(entry)?.["values"], provider));
  const usage = asObject(root["usageMetadata"]);
  return { vectors, promptTokens: tokenCount(usage?.["promptTokenCount"]) };
}

/** `:embedContent` (one input): `embedding.values`, `usageMetadata.promptTokenCount` when reported. */
export function parseGeminiEmbedContentResponse(provider: string, body: unknown): EmbedBatchResult {
  const root = asObject(body);
  const embedding = asObject(root?.["embedding"]);
  if (root === undefined || embedding === undefined) throw embeddingProtocolError(provider, "no 'embedding'");
  const usage = asObject(root["usageMetadata"]);
  return {
    vectors: [readVector(embedding["values"], provider)],
    promptTokens: tokenCount(usage?.["promptTokenCount"]),
  };
}
