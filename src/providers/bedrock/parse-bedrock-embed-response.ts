import type { EmbedBatchResult } from "../../core/embeddings/embedding-adapter.js";
import { embeddingProtocolError, readVector, tokenCount } from "../shared/embedding-vectors.js";
import { type HeaderRecord, headerText } from "../shared/headers.js";
import { asArray, asObject } from "../shared/json.js";
import type { BedrockEmbedFamily } from "./convert-to-bedrock-embed-request.js";

/**
 * InvokeModel answers. Titan: `embedding` (also repeated under `embeddingsByType.float`), `inputTextTokenCount`.
 * Cohere v3: `embeddings[[…]]` (`response_type: "embeddings_floats"`); v4 with `embedding_types`:
 * `embeddings.float[[…]]` (`"embeddings_by_type"`). Cohere reports no usage in the body, only the
 * `x-amzn-bedrock-input-token-count` header (which Titan sends too). The echoed `texts` are never passed on.
 */
export function parseBedrockEmbedResponse(
  body: unknown,
  family: BedrockEmbedFamily,
  headers: HeaderRecord,
): EmbedBatchResult {
  const root = asObject(body);
  if (root === undefined) throw embeddingProtocolError("bedrock", "the body is not an object");
  const header = headerText(headers, "x-amzn-bedrock-input-token-count");
  const headerTokens = header === undefined ? undefined : tokenCount(Number(header));
  if (family === "titan-v2" || family === "titan-v1") {
    return {
      vectors: [readVector(root["embedding"], "bedrock")],
      promptTokens: tokenCount(root["inputTextTokenCount"]) ?? headerTokens,
    };
  }
  const embeddings = root["embeddings"];
  const list = asArray(embeddings) ?? asArray(asObject(embeddings)?.["float"]);
  if (list === undefined) throw embeddingProtocolError("bedrock", "no float 'embeddings'");
  return { vectors: list.map((vector) => readVector(vector, "bedrock")), promptTokens: headerTokens };
}
