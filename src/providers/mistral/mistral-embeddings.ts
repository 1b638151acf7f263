import type { EmbeddingAdapter } from "../../core/embeddings/embedding-adapter.js";
import { parseOpenAIEmbedResponse } from "../openai/parse-openai-embed-response.js";
import { baseUrl, resolveApiKey } from "../shared/api-key.js";

/**
 * Mistral embeddings (`/v1/embeddings`, OpenAI-shaped): `input` list, `output_dimension` for models that take it
 * (codestral-embed; Mistral answers 400 for the others), floats (encoded at the edge), 32 inputs a call.
 */
export function createMistralEmbeddings(envNames: readonly string[], defaultBase: string): EmbeddingAdapter {
  return {
    maxInputsPerCall: () => 32,
    acceptsTokens: false,
    options: [],
    buildRequest(request, input, context) {
      const deployment = context.deployment;
      const key = resolveApiKey(deployment, "mistral", envNames);
      return {
        url: `${baseUrl(deployment, defaultBase)}/embeddings`,
        method: "POST",
        headers: {
          ...deployment.params.extraHeaders,
          "content-type": "application/json",
          accept: "application/json",
          authorization: `Bearer ${key}`,
        },
        body: JSON.stringify({
          model: deployment.model,
          input: input.kind === "text" ? input.texts : [],
          ...(request.dimensions !== undefined ? { output_dimension: request.dimensions } : {}),
        }),
      };
    },
    parseResponse: (body, context) => parseOpenAIEmbedResponse("mistral", body, context.count),
  };
}
