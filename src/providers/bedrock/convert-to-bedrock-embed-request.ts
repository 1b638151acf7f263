import type { EmbedInput, EmbedRequest } from "../../core/embeddings/embed-types.js";
import { invalidRequest, unsupportedParameter } from "../../core/errors/gateway-error.js";
import { readProviderOption } from "../shared/provider-options.js";

/** The embedding model families Bedrock serves through InvokeModel, each with its own body. */
export type BedrockEmbedFamily = "titan-v2" | "titan-v1" | "cohere-v3" | "cohere-v4";

/** The family of a Bedrock model id (region prefixes such as `us.` and ARNs included); undefined: no embeddings. */
export function bedrockEmbedFamily(modelId: string): BedrockEmbedFamily | undefined {
  if (modelId.includes("titan-embed-text-v2")) return "titan-v2";
  if (modelId.includes("titan-embed-text-v1") || modelId.includes("titan-embed-g1-text")) return "titan-v1";
  if (modelId.includes("cohere.embed-v4")) return "cohere-v4";
  if (modelId.includes("cohere.embed-")) return "cohere-v3";
  return undefined;
}

const TITAN_V2_DIMENSIONS = [256, 512, 1024];
const COHERE_V4_DIMENSIONS = [256, 512, 1024, 1536];
const COHERE_INPUT_TYPES = ["search_query", "search_document", "classification", "clustering"];
const NAMESPACES = ["bedrock"];

function checkDimensions(request: EmbedRequest, allowed: readonly number[] | undefined, model: string): void {
  if (request.dimensions === undefined) return;
  if (allowed === undefined) {
    if (request.dropParams === true) return;
    throw unsupportedParameter("bedrock", "dimensions");
  }
  if (!allowed.includes(request.dimensions)) {
    throw invalidRequest(`'dimensions' for ${model} must be one of ${allowed.join(", ")}.`, "dimensions");
  }
}

/** Cohere's `input_type`: `provider_options.input_type`, default `search_query` (what vercel/ai and LiteLLM send). */
export function cohereInputType(request: EmbedRequest, namespaces: readonly string[]): string {
  const value = readProviderOption(request.providerOptions, namespaces, ["input_type"]) ?? "search_query";
  if (typeof value !== "string" || !COHERE_INPUT_TYPES.includes(value)) {
    throw invalidRequest(
      `'provider_options.input_type' must be one of ${COHERE_INPUT_TYPES.join(", ")}.`,
      "provider_options.input_type",
    );
  }
  return value;
}

/**
 * Cohere's `truncate`: `provider_options.truncate`, default NONE — an over-long input is an error, as on OpenAI,
 * never a silently shortened vector.
 */
export function cohereTruncate(request: EmbedRequest, namespaces: readonly string[]): string {
  const value = readProviderOption(request.providerOptions, namespaces, ["truncate"]) ?? "NONE";
  if (value !== "NONE" && value !== "START" && value !== "END") {
    throw invalidRequest(
      "'provider_options.truncate' must be NONE, START or END.",
      "provider_options.truncate",
    );
  }
  return value;
}

/**
 * The InvokeModel body. Titan: one `inputText` a call (the invoker splits), `dimensions` (v2: 256/512/1024),
 * `normalize` true (Titan's default, sent so it is explicit). Cohere v3/v4: `texts`, `input_type`, `truncate`,
 * v4's `output_dimension` (256/512/1024/1536).
 */
export function convertToBedrockEmbedBody(
  request: EmbedRequest,
  input: EmbedInput,
  family: BedrockEmbedFamily,
  modelId: string,
): Record<string, unknown> {
  const texts = input.kind === "text" ? input.texts : [];
  switch (family) {
    case "titan-v2":
    case "titan-v1": {
      checkDimensions(request, family === "titan-v2" ? TITAN_V2_DIMENSIONS : undefined, modelId);
      const normalize = readProviderOption(request.providerOptions, NAMESPACES, ["normalize"]);
      if (normalize !== undefined && typeof normalize !== "boolean") {
        throw invalidRequest(
          "'provider_options.normalize' must be true or false.",
          "provider_options.normalize",
        );
      }
      return family === "titan-v1"
        ? { inputText: texts[0] ?? "" }
        : {
            inputText: texts[0] ?? "",
            ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
            normalize: normalize ?? true,
          };
    }
    case "cohere-v3":
    case "cohere-v4":
      checkDimensions(request, family === "cohere-v4" ? COHERE_V4_DIMENSIONS : undefined, modelId);
      return {
        texts,
        input_type: cohereInputType(request, NAMESPACES),
        ...(family === "cohere-v4" && request.dimensions !== undefined
          ? { output_dimension: request.dimensions }
          : {}),
        truncate: cohereTruncate(request, NAMESPACES),
      };
  }
}
