import type { EmbedInput, EmbedRequest } from "../../core/embeddings/embed-types.js";

export interface OpenAIEmbedWire {
  /** Forward the caller's `encoding_format` (OpenAI, Azure): base64 then passes through as bytes. */
  passEncoding: boolean;
  /** Send `user` (OpenAI's field; other hosts may reject it). */
  sendUser: boolean;
}

/**
 * The `/embeddings` body on OpenAI's wire: `input` is always a list (of texts or of token arrays; a single string
 * and a one-string list mean the same upstream), `dimensions` and `user` as given, and `encoding_format` only when
 * the caller named one and the host is OpenAI's own (other hosts get their default, floats, which the edge encodes).
 */
export function convertToOpenAIEmbedBody(
  request: EmbedRequest,
  input: EmbedInput,
  model: string,
  wire: OpenAIEmbedWire,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    input: input.kind === "text" ? input.texts : input.tokens,
  };
  if (wire.passEncoding && request.encodingFormat !== undefined)
    body["encoding_format"] = request.encodingFormat;
  if (request.dimensions !== undefined) body["dimensions"] = request.dimensions;
  if (wire.sendUser && request.user !== undefined) body["user"] = request.user;
  return body;
}
