import type { EmbedBatchResult } from "../../core/embeddings/embedding-adapter.js";
import { embeddingProtocolError, readVector, tokenCount } from "../shared/embedding-vectors.js";
import { asArray, asObject } from "../shared/json.js";

/** `/v2/embed`: `embeddings.float[[…]]`, usage `meta.billed_units.input_tokens`; echoed `texts` are dropped. */
export function parseCohereEmbedResponse(body: unknown): EmbedBatchResult {
  const root = asObject(body);
  const list = asArray(asObject(root?.["embeddings"])?.["float"]);
  if (root === undefined || list === undefined)
    throw embeddingProtocolError("cohere", "no 'embeddings.float'");
  const billed = asObject(asObject(root["meta"])?.["billed_units"]);
  return {
    vectors: list.map((vector) => readVector(vector, "cohere")),
    promptTokens: tokenCount(billed?.["input_tokens"]),
  };
}
