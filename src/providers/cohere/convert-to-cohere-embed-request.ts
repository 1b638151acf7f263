import type { EmbedInput, EmbedRequest } from "../../core/embeddings/embed-types.js";
import { invalidRequest, unsupportedParameter } from "../../core/errors/gateway-error.js";
import { cohereInputType, cohereTruncate } from "../bedrock/convert-to-bedrock-embed-request.js";

const NAMESPACES = ["cohere"];
const V4_DIMENSIONS = [256, 512, 1024, 1536];

/**
 * `POST /v2/embed`: `texts` (not `input`), `input_type` (default search_query), `embedding_types: ["float"]`,
 * `truncate` (default NONE: over-long input is an error, as on OpenAI), and `output_dimension` on embed-v4
 * (256/512/1024/1536; earlier models have one size, so `dimensions` is a 400 for them).
 */
export function convertToCohereEmbedBody(
  request: EmbedRequest,
  input: EmbedInput,
  model: string,
): Record<string, unknown> {
  const texts = input.kind === "text" ? input.texts : [];
  let dimensions: number | undefined;
  if (request.dimensions !== undefined) {
    if (!model.startsWith("embed-v4")) {
      if (request.dropParams !== true) throw unsupportedParameter("cohere", "dimensions");
    } else if (!V4_DIMENSIONS.includes(request.dimensions)) {
      throw invalidRequest(
        `'dimensions' for ${model} must be one of ${V4_DIMENSIONS.join(", ")}.`,
        "dimensions",
      );
    } else dimensions = request.dimensions;
  }
  return {
    model,
    texts,
    input_type: cohereInputType(request, NAMESPACES),
    embedding_types: ["float"],
    truncate: cohereTruncate(request, NAMESPACES),
    ...(dimensions !== undefined ? { output_dimension: dimensions } : {}),
  };
}
