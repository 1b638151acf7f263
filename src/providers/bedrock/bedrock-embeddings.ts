import type { EmbeddingAdapter } from "../../core/embeddings/embedding-adapter.js";
import { invalidRequest } from "../../core/errors/gateway-error.js";
import type { UpstreamRequest } from "../../core/types/provider.js";
import {
  authorizeBedrockRequest,
  bedrockBaseUrl,
  type Environment,
  resolveBedrockAuth,
} from "./bedrock-auth.js";
import { bedrockEmbedFamily, convertToBedrockEmbedBody } from "./convert-to-bedrock-embed-request.js";
import { parseBedrockEmbedResponse } from "./parse-bedrock-embed-response.js";

/** Cohere on Bedrock takes at most 96 texts a call; Titan one. */
const COHERE_PER_CALL = 96;

function familyOf(model: string) {
  const family = bedrockEmbedFamily(model);
  if (family === undefined) {
    throw invalidRequest(
      `The Bedrock model '${model}' is not an embedding model this gateway speaks (Titan text v1/v2, Cohere embed v3/v4).`,
      "model",
    );
  }
  return family;
}

/**
 * Bedrock embeddings through InvokeModel (`/model/{id}/invoke`), signed like chat (SigV4, or a Bedrock API key).
 * Titan takes one text a call, Cohere 96. Options: `input_type`, `truncate` (Cohere), `normalize` (Titan).
 */
export function createBedrockEmbeddings(
  env: Environment = process.env,
  signingDate?: Date,
): EmbeddingAdapter {
  return {
    maxInputsPerCall: (deployment) => (familyOf(deployment.model).startsWith("titan") ? 1 : COHERE_PER_CALL),
    acceptsTokens: false,
    options: ["input_type", "truncate", "normalize"],
    async buildRequest(request, input, context): Promise<UpstreamRequest> {
      const deployment = context.deployment;
      const modelId = deployment.model;
      const body = JSON.stringify(convertToBedrockEmbedBody(request, input, familyOf(modelId), modelId));
      const auth = resolveBedrockAuth(deployment, env);
      const url = `${bedrockBaseUrl(deployment, auth.region)}/model/${encodeURIComponent(modelId)}/invoke`;
      const headers: Record<string, string> = {
        ...deployment.params.extraHeaders,
        "content-type": "application/json",
        accept: "application/json",
      };
      return authorizeBedrockRequest(auth, url, headers, body, signingDate);
    },
    parseResponse: (body, context) =>
      parseBedrockEmbedResponse(body, familyOf(context.deployment.model), context.headers),
  };
}
