import { GatewayError, unsupportedParameter } from "../../core/errors/gateway-error.js";
import type { ChatRequest } from "../../core/types/chat.js";
import type { ProviderCallContext, UpstreamRequest } from "../../core/types/provider.js";
import { callerBodyOptions, callerPassthrough, mergeIntoBody } from "../shared/provider-options.js";
import { type OpenAIWireOptions, openAIUpstreamTarget } from "./convert-to-openai-request.js";

/** Chat fields that a legacy completion cannot carry (a translation bug upstream of here, never the caller's). */
const CHAT_ONLY: readonly (keyof ChatRequest)[] = [
  "tools",
  "toolChoice",
  "parallelToolCalls",
  "responseFormat",
  "reasoningEffort",
  "reasoningBudgetTokens",
  "logprobs",
  "topLogprobs",
  "metadata",
  "nativeOnly",
];

/**
 * The legacy `/completions` body on OpenAI's wire (OpenAI, vLLM, TGI, Together, Fireworks…): `prompt` as the
 * caller gave it (one string, or the list), `n` per prompt, the sampling fields the caller set and nothing else,
 * caller additions through the same allow-list as chat (they never replace a field set here, GUARDS 8b). Streams
 * always ask for usage: budgets and the ledger need it; the REST edge hides it from callers who did not ask.
 */
export function convertToOpenAICompletionBody(
  request: ChatRequest,
  context: ProviderCallContext,
  wire: OpenAIWireOptions,
): Record<string, unknown> {
  const completion = request.textCompletion;
  if (completion === undefined) {
    throw new GatewayError("internal", "A chat request reached the completions translator.");
  }
  for (const field of CHAT_ONLY) {
    if (request[field] !== undefined) {
      throw new GatewayError("internal", `A text completion carries the chat field '${field}'.`);
    }
  }
  const prompts = completion.prompts;
  const body: Record<string, unknown> = {
    model: context.deployment.model,
    prompt: prompts.length === 1 ? prompts[0] : prompts,
  };
  if (completion.suffix !== undefined) body["suffix"] = completion.suffix;
  if (completion.echo !== undefined) body["echo"] = completion.echo;
  if (request.maxTokens !== undefined) body["max_tokens"] = request.maxTokens;
  if (request.temperature !== undefined) body["temperature"] = request.temperature;
  if (request.topP !== undefined) body["top_p"] = request.topP;
  if (request.topK !== undefined) {
    if (wire.acceptsTopK || context.deployment.params.apiBase !== undefined) body["top_k"] = request.topK;
    else if (!request.dropParams) throw unsupportedParameter(wire.provider, "top_k");
  }
  if (completion.n !== 1) body["n"] = completion.n;
  if (request.stop !== undefined) body["stop"] = request.stop;
  if (request.presencePenalty !== undefined) body["presence_penalty"] = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) body["frequency_penalty"] = request.frequencyPenalty;
  if (request.seed !== undefined) body["seed"] = request.seed;
  if (request.logitBias !== undefined) body["logit_bias"] = request.logitBias;
  if (request.user !== undefined) body["user"] = request.user;
  mergeIntoBody(body, callerPassthrough(request.passthrough, wire.options, request.dropParams === true));
  mergeIntoBody(body, callerBodyOptions(request.providerOptions, wire.options));
  if (context.stream) {
    body["stream"] = true;
    body["stream_options"] = { include_usage: true };
  }
  return body;
}

/** `POST {base}/completions` with the deployment's credentials (the same target as chat). */
export function buildOpenAICompletionRequest(
  request: ChatRequest,
  context: ProviderCallContext,
  wire: OpenAIWireOptions,
): UpstreamRequest {
  const { base, headers } = openAIUpstreamTarget(request, context, wire);
  return {
    url: `${base}/completions`,
    method: "POST",
    headers,
    body: JSON.stringify(convertToOpenAICompletionBody(request, context, wire)),
  };
}
