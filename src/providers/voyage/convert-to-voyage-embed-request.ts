import type { EmbedInput, EmbedRequest } from "../../core/embeddings/embed-types.js";
import { invalidRequest } from "../../core/errors/gateway-error.js";
import { readProviderOption } from "../shared/provider-options.js";

const NAMESPACES = ["voyage"];

/**
 * Voyage `/v1/embeddings`: OpenAI's shape plus `input_type` (query / document; absent: none, Voyage's default),
 * `output_dimension`, `truncation`. Voyage encodes base64 itself, so the caller's base64 is asked for as is.
 */
export function convertToVoyageEmbedBody(
  request: EmbedRequest,
  input: EmbedInput,
  model: string,
): Record<string, unknown> {
  const inputType = readProviderOption(request.providerOptions, NAMESPACES, ["input_type"]);
  if (inputType !== undefined && inputType !== "query" && inputType !== "document") {
    throw invalidRequest(
      "'provider_options.input_type' must be query or document.",
      "provider_options.input_type",
    );
  }
  const truncation = readProviderOption(request.providerOptions, NAMESPACES, ["truncation"]);
  if (truncation !== undefined && typeof truncation !== "boolean") {
    throw invalidRequest(
      "'provider_options.truncation' must be true or false.",
      "provider_options.truncation",
    );
  }
  return {
    model,
    input: input.kind === "text" ? input.texts : [],
    ...(inputType !== undefined ? { input_type: inputType } : {}),
    ...(request.dimensions !== undefined ? { output_dimension: request.dimensions } : {}),
    ...(request.encodingFormat === "base64" ? { encoding_format: "base64" } : {}),
    ...(truncation !== undefined ? { truncation } : {}),
  };
}
