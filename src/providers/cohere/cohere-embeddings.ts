import type { EmbeddingAdapter } from "../../core/embeddings/embedding-adapter.js";
import { baseUrl, resolveApiKey } from "../shared/api-key.js";
import { convertToCohereEmbedBody } from "./convert-to-cohere-embed-request.js";
import { parseCohereEmbedResponse } from "./parse-cohere-embed-response.js";

/** Cohere v2 embeddings (`/v2/embed`), 96 texts a call. Options: `input_type`, `truncate`. */
export function createCohereEmbeddings(envNames: readonly string[]): EmbeddingAdapter {
  return {
    maxInputsPerCall: () => 96,
    acceptsTokens: false,
    options: ["input_type", "truncate"],
    buildRequest(request, input, context) {
      const deployment = context.deployment;
      const key = resolveApiKey(deployment, "cohere", envNames);
      return {
        url: `${baseUrl(deployment, "https://api.cohere.com")}/v2/embed`,
        method: "POST",
        headers: {
          ...deployment.params.extraHeaders,
          "content-type": "application/json",
          accept: "application/json",
          authorization: `Bearer ${key}`,
        },
        body: JSON.stringify(convertToCohereEmbedBody(request, input, deployment.model)),
      };
    },
    parseResponse: (body) => parseCohereEmbedResponse(body),
  };
}
