import { invalidRequest } from "../errors/gateway-error.js";
import type { EmbedRequest } from "./embed-types.js";

/**
 * Documented caps of one embeddings request (docs/embeddings.md), the same as OpenAI's where it has one: at most
 * 2,048 inputs (OpenAI's `input` limit; larger requests would also hold a provider's per-call batches for long),
 * token ids below 2^31, `dimensions` at most 65,536. The body size cap bounds the text.
 */
export const MAX_EMBED_INPUTS = 2048;
export const MAX_EMBED_DIMENSIONS = 65_536;
const MAX_TOKEN_ID = 2 ** 31 - 1;

/** The checks no edge may skip; each failure is a 400 naming the field as the caller spelled it. */
export function validateEmbedRequest(request: EmbedRequest): void {
  if (request.model.length === 0) throw invalidRequest("'model' is required.", "model");
  const input = request.input;
  const count = input.kind === "text" ? input.texts.length : input.tokens.length;
  if (count === 0) throw invalidRequest("'input' must not be empty.", "input");
  if (count > MAX_EMBED_INPUTS) {
    throw invalidRequest(
      `'input' has ${count} entries; at most ${MAX_EMBED_INPUTS} are allowed in one request.`,
      "input",
    );
  }
  if (input.kind === "text") {
    input.texts.forEach((text, index) => {
      if (text.length === 0)
        throw invalidRequest(`'input[${index}]' must not be an empty string.`, `input[${index}]`);
    });
  } else {
    input.tokens.forEach((tokens, index) => {
      if (tokens.length === 0)
        throw invalidRequest(`'input[${index}]' must not be an empty token array.`, `input[${index}]`);
      for (const id of tokens) {
        if (!Number.isInteger(id) || id < 0 || id > MAX_TOKEN_ID) {
          throw invalidRequest(
            `'input[${index}]' holds ${String(id)}, which is not a token id (an integer from 0 to ${MAX_TOKEN_ID}).`,
            `input[${index}]`,
          );
        }
      }
    });
  }
  const dimensions = request.dimensions;
  if (
    dimensions !== undefined &&
    (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_EMBED_DIMENSIONS)
  ) {
    throw invalidRequest(`'dimensions' must be an integer from 1 to ${MAX_EMBED_DIMENSIONS}.`, "dimensions");
  }
}
