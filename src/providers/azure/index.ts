import { unsupportedParameter } from "../../core/errors/gateway-error.js";
import type { ChatRequest } from "../../core/types/chat.js";
import type { HttpProviderAdapter, ProviderCallContext, UpstreamRequest } from "../../core/types/provider.js";
import { convertToOpenAIBody, type OpenAIWireOptions } from "../openai/convert-to-openai-request.js";
import { openAICompatibleOptions } from "../openai/openai-options.js";
import { parseOpenAIResponse } from "../openai/parse-openai-response.js";
import type { Environment } from "../shared/api-key.js";
import { withDeploymentDropParams } from "../shared/supported-params.js";
import { azureEmbeddings } from "./azure-embeddings.js";
import { parseAzureError } from "./azure-error.js";
import { AzureStreamDecoder } from "./azure-stream-decoder.js";
import { AZURE_ENV_VARS, azureTarget } from "./azure-target.js";

const AZURE_WIRE: OpenAIWireOptions = {
  provider: "azure",
  defaultBase: "",
  acceptsTopK: false,
  authHeader: (apiKey) => ({ "api-key": apiKey }),
  path: "/chat/completions",
  /** Azure takes OpenAI's knobs; `data_sources` (On Your Data: a caller-chosen search index and credential) stays out. */
  options: { ...openAICompatibleOptions("azure"), namespaces: ["azure", "openai"] },
};

/** Builds an Azure OpenAI chat request: URL and credentials from azureTarget, the body on OpenAI's wire. */
export function buildAzureRequest(
  request: ChatRequest,
  context: ProviderCallContext,
  env: Environment = process.env,
): UpstreamRequest {
  const deployment = context.deployment;
  const params = deployment.params;
  const { url, auth } = azureTarget(deployment, "chat/completions", env);
  request = withDeploymentDropParams(request, deployment);
  let body = request;
  if (request.topK !== undefined) {
    // Azure OpenAI has no top_k (OpenAI's translator lets it through whenever api_base is set).
    if (request.dropParams !== true) throw unsupportedParameter("azure", "top_k");
    body = { ...request };
    delete body.topK;
  }
  return {
    url,
    method: "POST",
    headers: {
      ...params.extraHeaders,
      ...request.upstreamHeaders,
      "content-type": "application/json",
      accept: context.stream ? "text/event-stream" : "application/json",
      ...auth,
    },
    body: JSON.stringify(convertToOpenAIBody(body, context, AZURE_WIRE)),
  };
}

/** Azure OpenAI (`azure/<deployment>`): OpenAI's wire, Azure's URL, key header and stream preamble. */
export const azureAdapter: HttpProviderAdapter = {
  kind: "http",
  id: "azure",
  priceFamily: ["openai"],
  environment: {
    apiKey: AZURE_ENV_VARS.apiKey,
    apiBase: AZURE_ENV_VARS.apiBase,
    apiVersion: AZURE_ENV_VARS.apiVersion,
    other: AZURE_ENV_VARS.adToken,
  },
  capabilities: [
    "streaming",
    "tools",
    "parallel_tools",
    "vision",
    "json_schema",
    "json_object",
    "reasoning",
    "logprobs",
    "n",
  ],
  framing: "sse",
  buildRequest: (request, context) => buildAzureRequest(request, context),
  parseResponse: (body) => parseOpenAIResponse("azure", body),
  createStreamDecoder: () => new AzureStreamDecoder(),
  parseError: parseAzureError,
  // --- embeddings (issue 14): OpenAI's wire on Azure's URL and key header (azure-embeddings.ts) ---
  embeddings: azureEmbeddings,
};
