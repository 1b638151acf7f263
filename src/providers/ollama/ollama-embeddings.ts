import type { EmbeddingAdapter } from "../../core/embeddings/embedding-adapter.js";
import { invalidRequest } from "../../core/errors/gateway-error.js";
import { baseUrl, optionalApiKey } from "../shared/api-key.js";
import { embeddingProtocolError, readVector, tokenCount } from "../shared/embedding-vectors.js";
import { asArray, asObject, asString } from "../shared/json.js";
import { readProviderOption } from "../shared/provider-options.js";

/**
 * Ollama's `/api/embed`: `input` list, `dimensions`, `truncate` and `keep_alive` from provider options. Answers
 * `embeddings[[…]]` (L2-normalised by Ollama; passed on as they are) and `prompt_eval_count` when it counts.
 */
export function createOllamaEmbeddings(id: string, envNames: readonly string[]): EmbeddingAdapter {
  return {
    maxInputsPerCall: () => 512,
    acceptsTokens: false,
    options: ["truncate", "keep_alive"],
    buildRequest(request, input, context) {
      const deployment = context.deployment;
      const key = optionalApiKey(deployment, envNames);
      const truncate = readProviderOption(request.providerOptions, [id, "ollama"], ["truncate"]);
      if (truncate !== undefined && typeof truncate !== "boolean") {
        throw invalidRequest(
          "'provider_options.truncate' must be true or false.",
          "provider_options.truncate",
        );
      }
      const keepAlive = readProviderOption(request.providerOptions, [id, "ollama"], ["keep_alive"]);
      if (keepAlive !== undefined && typeof keepAlive !== "string" && typeof keepAlive !== "number") {
        throw invalidRequest(
          "'provider_options.keep_alive' must be a duration.",
          "provider_options.keep_alive",
        );
      }
      return {
        url: `${baseUrl(deployment, "http://localhost:11434")}/api/embed`,
        method: "POST",
        headers: {
          ...deployment.params.extraHeaders,
          "content-type": "application/json",
          accept: "application/json",
          ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
        },
        body: JSON.stringify({
          model: deployment.model,
          input: input.kind === "text" ? input.texts : [],
          ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
          ...(truncate !== undefined ? { truncate } : {}),
          ...(keepAlive !== undefined ? { keep_alive: keepAlive } : {}),
        }),
      };
    },
    parseResponse(body) {
      const root = asObject(body);
      const list = asArray(root?.["embeddings"]);
      if (root === undefined || list === undefined) throw embeddingProtocolError(id, "no 'embeddings' list");
      const model = asString(root["model"]);
      return {
        vectors: list.map((vector) => readVector(vector, id)),
        promptTokens: tokenCount(root["prompt_eval_count"]),
        ...(model !== undefined ? { model } : {}),
      };
    },
  };
}
