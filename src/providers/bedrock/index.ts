import type { ChatRequest } from "../../core/types/chat.js";
import type { HttpProviderAdapter, ProviderCallContext, UpstreamRequest } from "../../core/types/provider.js";
import { modelPathSegment } from "../shared/model-path-segment.js";
import { withDeploymentDropParams } from "../shared/supported-params.js";
import {
  authorizeBedrockRequest,
  BEDROCK_ENV_VARS,
  bedrockBaseUrl,
  discoverBedrock,
  type Environment,
  resolveBedrockAuth,
} from "./bedrock-auth.js";
import { createBedrockEmbeddings } from "./bedrock-embeddings.js";
import { parseBedrockError } from "./bedrock-error.js";
import { createBedrockRerank } from "./bedrock-rerank.js";
import { BedrockStreamDecoder } from "./bedrock-stream-decoder.js";
import { convertToBedrockRequest } from "./convert-to-bedrock-request.js";
import { parseBedrockResponse } from "./parse-bedrock-response.js";

/**
 * The Bedrock model id from the deployment's model: LiteLLM's `converse/` route prefix is dropped (Converse is the
 * only API we speak); inference profiles (`us.…`) and ARNs pass unchanged.
 */
export function bedrockModelId(model: string): string {
  return model.startsWith("converse/") ? model.slice("converse/".length) : model;
}

/** Builds the signed (or bearer-authenticated) Converse / ConverseStream request. */
export async function buildBedrockRequest(
  request: ChatRequest,
  context: ProviderCallContext,
  env: Environment = process.env,
  signingDate?: Date,
): Promise<UpstreamRequest> {
  const modelId = bedrockModelId(context.deployment.model);
  const body = JSON.stringify(
    convertToBedrockRequest(withDeploymentDropParams(request, context.deployment), modelId),
  );
  const auth = resolveBedrockAuth(context.deployment, env);
  const url = `${bedrockBaseUrl(context.deployment, auth.region)}/model/${modelPathSegment(modelId, "bedrock", { allowSlash: true })}/${
    context.stream ? "converse-stream" : "converse"
  }`;
  const headers: Record<string, string> = {
    ...context.deployment.params.extraHeaders,
    ...request.upstreamHeaders,
    "content-type": "application/json",
    accept: context.stream ? "application/vnd.amazon.eventstream" : "application/json",
  };
  return authorizeBedrockRequest(auth, url, headers, body, signingDate);
}

/** AWS Bedrock through the Converse API: SigV4 (or Bedrock API key) auth, binary event-stream streaming. */
export const bedrockAdapter: HttpProviderAdapter = {
  kind: "http",
  id: "bedrock",
  // Bedrock Claude is the same model as Anthropic's (Bedrock's own ids are tried first).
  priceFamily: ["anthropic"],
  environment: { apiKey: [], apiBase: [], other: BEDROCK_ENV_VARS, discovery: discoverBedrock },
  capabilities: ["streaming", "tools", "parallel_tools", "vision", "json_schema", "json_object", "reasoning"],
  framing: "aws-event-stream",
  buildRequest: (request, context) => buildBedrockRequest(request, context),
  parseResponse: parseBedrockResponse,
  createStreamDecoder: (_request, context) => new BedrockStreamDecoder(context),
  parseError: parseBedrockError,
  // --- embeddings (issue 14): InvokeModel for Titan (1 a call) and Cohere embed v3/v4 (bedrock-embeddings.ts) ---
  embeddings: createBedrockEmbeddings(),
  // --- rerank (issue 14): the Agent Runtime Rerank API (bedrock-rerank.ts) ---
  rerank: createBedrockRerank(),
};
