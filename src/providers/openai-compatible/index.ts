import { GatewayError, unsupportedParameter } from "../../core/errors/gateway-error.js";
import type { ChatRequest, ChatResponse } from "../../core/types/chat.js";
import type { HttpProviderAdapter, ProviderCallContext } from "../../core/types/provider.js";
import { buildOpenAIRequest, type OpenAIWireOptions } from "../openai/convert-to-openai-request.js";
import { createOpenAICompatibleProvider } from "../openai/index.js";
import { openAICompatibleOptions } from "../openai/openai-options.js";
import { type Environment, fromEnv, settingText } from "../shared/api-key.js";
import { withDeploymentDropParams } from "../shared/supported-params.js";
import { OPENAI_COMPATIBLE_FAMILIES, type OpenAICompatibleFamily } from "./families.js";
import { familyCompletions } from "./family-completions.js";
import { familyEmbeddings } from "./family-embeddings.js";
import { familyRerank } from "./family-rerank.js";

const text = settingText;

/** Request fields by the OpenAI name the families table uses. */
const FIELD_BY_NAME: Record<string, keyof ChatRequest> = {
  tools: "tools",
  tool_choice: "toolChoice",
  n: "n",
  logprobs: "logprobs",
  top_logprobs: "topLogprobs",
  logit_bias: "logitBias",
};

function checkUnsupported(family: OpenAICompatibleFamily, request: ChatRequest): ChatRequest {
  let result = request;
  for (const name of family.unsupported) {
    const field = FIELD_BY_NAME[name];
    if (field === undefined) continue;
    const value = request[field];
    const set =
      value !== undefined && !(field === "n" && value === 1) && !(field === "logprobs" && value === false);
    if (!set) continue;
    if (request.dropParams !== true) throw unsupportedParameter(family.prefix, name);
    if (result === request) result = { ...request };
    delete result[field];
  }
  return result;
}

/**
 * Gemini's OpenAI-compatible endpoint returns tool calls with `id: ""` (corpus gemini-openai-compat-tool-calls):
 * give them ids, or the caller cannot answer them.
 */
function fillMissingToolCallIds(response: ChatResponse): ChatResponse {
  for (const choice of response.choices) {
    choice.message.toolCalls?.forEach((call, index) => {
      if (call.id === "")
        call.id = `call_${response.id.replace(/[^A-Za-z0-9_-]/g, "") || "x"}_${choice.index}_${index}`;
    });
  }
  return response;
}

/** The deployment with its key and base resolved from the family's variables, for OpenAI's request builder. */
function resolveContext(
  family: OpenAICompatibleFamily,
  context: ProviderCallContext,
  env: Environment,
): ProviderCallContext {
  const deployment = context.deployment;
  const apiBase = text(deployment.params.apiBase) ?? fromEnv(env, family.baseEnv) ?? family.defaultBase;
  if (apiBase === undefined) {
    throw new GatewayError(
      "internal",
      `Deployment '${deployment.id}' (${family.prefix}) needs api_base${family.baseEnv.length > 0 ? ` (or ${family.baseEnv[0]})` : ""}.`,
      { provider: family.prefix, reason: "missing_api_base" },
    );
  }
  const apiKey = text(deployment.params.apiKey) ?? fromEnv(env, family.keyEnv);
  if (apiKey === undefined && !family.keyOptional) {
    throw new GatewayError(
      "upstream_auth",
      `No API key for deployment '${deployment.id}' (${family.prefix}): set api_key or ${family.keyEnv.join(" / ")}.`,
      { provider: family.prefix, reason: "missing_credentials" },
    );
  }
  const params = { ...deployment.params, apiBase };
  if (apiKey === undefined) delete params.apiKey;
  else params.apiKey = apiKey;
  return { ...context, deployment: { ...deployment, params } };
}

/** One adapter for one family row: OpenAI's adapter with the row's base URL, key variables and checks. */
export function createFamilyAdapter(
  family: OpenAICompatibleFamily,
  env: Environment = process.env,
): HttpProviderAdapter {
  const wire: OpenAIWireOptions = {
    provider: family.prefix,
    defaultBase: family.defaultBase ?? "",
    acceptsTopK: family.acceptsTopK,
    authHeader: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),
    path: "/chat/completions",
    options: openAICompatibleOptions(family.prefix, family.options),
  };
  const base = createOpenAICompatibleProvider(wire);
  const dropped = new Set<string>();
  if (family.unsupported.includes("tools")) dropped.add("tools").add("parallel_tools");
  if (family.unsupported.includes("n")) dropped.add("n");
  if (family.unsupported.includes("logprobs")) dropped.add("logprobs");
  const capabilities = base.capabilities.filter((capability) => !dropped.has(capability));
  return {
    ...base,
    capabilities,
    environment: {
      apiKey: family.keyEnv,
      apiBase: family.baseEnv,
      // Hosted APIs serve `<prefix>/*` from their key alone; local servers need a configured deployment.
      ...(family.keyOptional ? {} : { discovery: "api-key" as const }),
    },
    buildRequest: (request, context) =>
      buildOpenAIRequest(
        checkUnsupported(family, withDeploymentDropParams(request, context.deployment)),
        resolveContext(family, context, env),
        wire,
      ),
    parseResponse: (body, context) => fillMissingToolCallIds(base.parseResponse(body, context)),
    // --- embeddings (issue 14): the families whose hosts serve `/embeddings` (family-embeddings.ts) ---
    ...familyEmbeddings(
      family,
      (deployment) => resolveContext(family, { deployment, stream: false, requestId: "" }, env).deployment,
    ),
    // --- rerank (issue 14): the Jina-style `/rerank` of Together and vLLM (family-rerank.ts) ---
    ...familyRerank(
      family,
      (deployment) => resolveContext(family, { deployment, stream: false, requestId: "" }, env).deployment,
      base.parseError,
    ),
    // --- legacy text completions (issue 14): the families whose hosts keep `/completions` ---
    ...familyCompletions(family, wire, (request, context) => ({
      request: checkUnsupported(family, withDeploymentDropParams(request, context.deployment)),
      context: resolveContext(family, context, env),
    })),
  };
}

/** Every family adapter, one per prefix, for the registry. */
export const openAICompatibleAdapters: readonly HttpProviderAdapter[] = OPENAI_COMPATIBLE_FAMILIES.map(
  (family) => createFamilyAdapter(family),
);
