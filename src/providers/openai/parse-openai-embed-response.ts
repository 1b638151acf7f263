import type { Vector } from "../../core/embeddings/embed-types.js";
import type { EmbedBatchResult } from "../../core/embeddings/embedding-adapter.js";
import { embeddingProtocolError, readVector, tokenCount } from "../shared/embedding-vectors.js";
import { asArray, asObject, asString } from "../shared/json.js";

/**
 * `{object:"list", data:[{index, embedding}], model, usage:{prompt_tokens,total_tokens}}` from OpenAI and every
 * host on its wire (Azure, Mistral, Voyage, vLLM…). Vectors are placed by `index` (hosts may answer out of order);
 * `embedding` is numbers or base64. Usage: `prompt_tokens`, else `total_tokens` (Voyage reports only that).
 */
export function parseOpenAIEmbedResponse(provider: string, body: unknown, count: number): EmbedBatchResult {
  const root = asObject(body);
  const data = asArray(root?.["data"]);
  if (root === undefined || data === undefined) throw embeddingProtocolError(provider, "no 'data' list");
  const vectors: Vector[] = new Array(data.length);
  data.forEach((item, position) => {
    const entry = asObject(item);
    if (entry === undefined) throw embeddingProtocolError(provider, "a 'data' entry is not an object");
    const index = typeof entry["index"] === "number" ? entry["index"] : position;
    if (!Number.isInteger(index) || index < 0 || index >= data.length || vectors[index] !== undefined) {
      throw embeddingProtocolError(provider, "'data' indexes are not 0..n-1");
    }
    vectors[index] = readVector(entry["embedding"], provider);
  });
  if (data.length !== count)
    throw embeddingProtocolError(provider, `${data.length} vectors for ${count} inputs`);
  const usage = asObject(root["usage"]);
  const model = asString(root["model"]);
  return {
    vectors,
    promptTokens: tokenCount(usage?.["prompt_tokens"]) ?? tokenCount(usage?.["total_tokens"]),
    ...(model !== undefined ? { model } : {}),
  };
}
