import { unsupportedParameter } from "../../core/errors/gateway-error.js";
import type { ChatRequest } from "../../core/types/chat.js";
import type { Deployment } from "../../core/types/deployment.js";

/** The optional ChatRequest fields a provider may or may not take, with the OpenAI name callers know them by. */
const PARAM_NAMES = {
  tools: "tools",
  toolChoice: "tool_choice",
  parallelToolCalls: "parallel_tool_calls",
  responseFormat: "response_format",
  reasoningEffort: "reasoning_effort",
  reasoningBudgetTokens: "reasoning_budget_tokens",
  temperature: "temperature",
  topP: "top_p",
  topK: "top_k",
  maxTokens: "max_tokens",
  presencePenalty: "presence_penalty",
  frequencyPenalty: "frequency_penalty",
  stop: "stop",
  seed: "seed",
  n: "n",
  user: "user",
  metadata: "metadata",
  logprobs: "logprobs",
  topLogprobs: "top_logprobs",
  logitBias: "logit_bias",
} as const satisfies Partial<Record<keyof ChatRequest, string>>;

export type OptionalParam = keyof typeof PARAM_NAMES;

function isSet(request: ChatRequest, field: OptionalParam): boolean {
  const value = request[field];
  if (value === undefined) return false;
  if (field === "n") return value !== 1;
  if (field === "logprobs") return value === true;
  if (field === "stop") return Array.isArray(value) && value.length > 0;
  return true;
}

/**
 * Applies a provider's supported-parameter list to a request, the LiteLLM way: a parameter the provider cannot
 * take is a 400 naming it (`unsupported_parameter`), unless the caller set `drop_params`, in which case it is
 * removed. Unmodelled `passthrough` fields are unsupported on non-OpenAI wires. Returns the request to translate
 * (the same object when nothing was dropped).
 */
export function applySupportedParams(
  request: ChatRequest,
  provider: string,
  supported: ReadonlySet<OptionalParam>,
): ChatRequest {
  let result = request;
  for (const field of Object.keys(PARAM_NAMES) as OptionalParam[]) {
    if (supported.has(field) || !isSet(request, field)) continue;
    if (request.dropParams !== true) {
      const name =
        field === "maxTokens" ? (request.maxTokensField ?? PARAM_NAMES[field]) : PARAM_NAMES[field];
      throw unsupportedParameter(provider, name);
    }
    if (result === request) result = { ...request };
    delete result[field];
  }
  const passthrough = request.passthrough;
  if (passthrough !== undefined && Object.keys(passthrough).length > 0) {
    if (request.dropParams !== true)
      throw unsupportedParameter(provider, Object.keys(passthrough)[0] as string);
    if (result === request) result = { ...request };
    delete result.passthrough;
  }
  return result;
}

/**
 * A deployment's own `drop_params: true` (LiteLLM per-deployment setting, in `params.extra`) applies to every
 * request it serves, as if the caller had set it.
 */
export function withDeploymentDropParams(request: ChatRequest, deployment: Deployment): ChatRequest {
  if (request.dropParams === true || deployment.params.extra.drop_params !== true) return request;
  return { ...request, dropParams: true };
}
