import { GatewayError, unsupportedParameter } from "../../core/errors/gateway-error.js";
import type { ChatRequest } from "../../core/types/chat.js";
import type { HttpProviderAdapter, ProviderCallContext, UpstreamRequest } from "../../core/types/provider.js";
import { convertToOpenAIBody, type OpenAIWireOptions } from "../openai/convert-to-openai-request.js";
import { openAICompatibleOptions } from "../openai/openai-options.js";
import { parseOpenAIResponse } from "../openai/parse-openai-response.js";
import type { Environment } from "../shared/api-key.js";
import { modelPathSegment } from "../shared/model-path-segment.js";
import { withDeploymentDropParams } from "../shared/supported-params.js";
import { AZURE_DEFAULT_API_VERSION } from "./azure-api.js";
import { azureEmbeddings } from "./azure-embeddings.js";
import { parseAzureError } from "./azure-error.js";
import { AzureStreamDecoder } from "./azure-stream-decoder.js";

/** Environment variables read by the Azure provider, by role. */
export const AZURE_ENV_VARS = {
  apiKey: ["AZURE_API_KEY", "AZURE_OPENAI_API_KEY"],
  apiBase: ["AZURE_API_BASE", "AZURE_OPENAI_ENDPOINT"],
  apiVersion: ["AZURE_API_VERSION", "OPENAI_API_VERSION"],
  adToken: ["AZURE_AD_TOKEN"],
} as const;

const AZURE_WIRE: OpenAIWireOptions = {
  provider: "azure",
  defaultBase: "",
  acceptsTopK: false,
  authHeader: (apiKey) => ({ "api-key": apiKey }),
  path: "/chat/completions",
  /** Azure takes OpenAI's knobs; `data_sources` (On Your Data: a caller-chosen search index and credential) stays out. */
  options: { ...openAICompatibleOptions("azure"), namespaces: ["azure", "openai"] },
};

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function fromEnv(env: Environment, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = text(env[name]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * Builds an Azure OpenAI request. Two URL surfaces: the deployment surface
 * `{api_base}/openai/deployments/{deployment}/chat/completions?api-version=…` (the default), and the v1 surface
 * `{api_base}/openai/v1/chat/completions` (when api_base already ends in `/openai/v1` or api_version is "v1"),
 * where the deployment goes in the body's `model`. Auth is the `api-key` header, or an Entra ID bearer token
 * (`azure_ad_token`) when no key is set.
 */
export function buildAzureRequest(
  request: ChatRequest,
  context: ProviderCallContext,
  env: Environment = process.env,
): UpstreamRequest {
  const deployment = context.deployment;
  const params = deployment.params;
  const base = (text(params.apiBase) ?? fromEnv(env, AZURE_ENV_VARS.apiBase))?.replace(/\/+$/, "");
  if (base === undefined) {
    throw new GatewayError(
      "internal",
      `Deployment '${deployment.id}' (azure) needs api_base (or AZURE_API_BASE): the Azure OpenAI resource endpoint.`,
      { provider: "azure", reason: "missing_api_base" },
    );
  }
  const apiVersion =
    text(params.apiVersion) ?? fromEnv(env, AZURE_ENV_VARS.apiVersion) ?? AZURE_DEFAULT_API_VERSION;
  const v1 = /\/openai\/v1$/.test(base) || apiVersion === "v1" || apiVersion === "latest";
  let url: string;
  if (v1) {
    url = `${/\/openai\/v1$/.test(base) ? base : `${base}/openai/v1`}/chat/completions`;
  } else {
    url = `${base}/openai/deployments/${modelPathSegment(deployment.model, "azure")}/chat/completions?api-version=${encodeURIComponent(apiVersion)}`;
  }
  const key = text(params.apiKey) ?? fromEnv(env, AZURE_ENV_VARS.apiKey);
  const adToken = text(params.extra.azure_ad_token) ?? fromEnv(env, AZURE_ENV_VARS.adToken);
  let auth: Record<string, string>;
  if (key !== undefined) auth = AZURE_WIRE.authHeader(key);
  else if (adToken !== undefined) auth = { authorization: `Bearer ${adToken}` };
  else {
    throw new GatewayError(
      "upstream_auth",
      `No credentials for deployment '${deployment.id}' (azure): set api_key (AZURE_API_KEY) or azure_ad_token (AZURE_AD_TOKEN).`,
      { provider: "azure", reason: "missing_credentials" },
    );
  }
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
