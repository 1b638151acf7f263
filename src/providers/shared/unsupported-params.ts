import { unsupportedParameter } from "../../core/errors/gateway-error.js";
import type { ChatRequest } from "../../core/types/chat.js";

/** Canonical request fields a provider may be unable to take, with the name the caller used for them. */
export type OptionalParam =
  | "n"
  | "logprobs"
  | "top_logprobs"
  | "presence_penalty"
  | "frequency_penalty"
  | "logit_bias"
  | "seed"
  | "top_k"
  | "parallel_tool_calls"
  | "audio";

function isSet(request: ChatRequest, param: OptionalParam): boolean {
  switch (param) {
    case "n":
      return request.n !== undefined && request.n > 1;
    case "logprobs":
      return request.logprobs === true;
    case "top_logprobs":
      return request.topLogprobs !== undefined;
    case "presence_penalty":
      return request.presencePenalty !== undefined;
    case "frequency_penalty":
      return request.frequencyPenalty !== undefined;
    case "logit_bias":
      return request.logitBias !== undefined && Object.keys(request.logitBias).length > 0;
    case "seed":
      return request.seed !== undefined;
    case "top_k":
      return request.topK !== undefined;
    case "parallel_tool_calls":
      return request.parallelToolCalls === false;
    case "audio":
      return request.messages.some(
        (message) => Array.isArray(message.content) && message.content.some((part) => part.type === "audio"),
      );
  }
}

/**
 * The rule "every field maps, or is rejected with a 400 naming it, unless drop_params": throws
 * `unsupported_parameter` for the first listed field the caller set, and for any pass-through field (fields we
 * do not model only reach OpenAI-compatible upstreams). With `dropParams` nothing is thrown and the translator
 * simply does not send them.
 */
export function rejectUnsupportedParams(
  request: ChatRequest,
  provider: string,
  unsupported: readonly OptionalParam[],
): void {
  if (request.dropParams === true) return;
  for (const param of unsupported) {
    if (isSet(request, param)) throw unsupportedParameter(provider, param);
  }
  if (request.passthrough !== undefined) {
    const first = Object.keys(request.passthrough)[0];
    if (first !== undefined) throw unsupportedParameter(provider, first);
  }
}
