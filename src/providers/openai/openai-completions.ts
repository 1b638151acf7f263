import type { ChatRequest } from "../../core/types/chat.js";
import type { HttpProviderAdapter, ProviderCallContext } from "../../core/types/provider.js";
import { buildOpenAICompletionRequest } from "./convert-to-openai-completion-request.js";
import type { OpenAIWireOptions } from "./convert-to-openai-request.js";
import { OpenAICompletionStreamDecoder } from "./openai-completion-stream-decoder.js";
import { parseOpenAIError } from "./openai-error.js";
import { parseOpenAICompletionResponse } from "./parse-openai-completion-response.js";

/**
 * Legacy text completions (`POST {base}/completions`) on OpenAI's wire, as an adapter of the same shape as chat:
 * OpenAI itself (gpt-3.5-turbo-instruct, davinci-002, babbage-002) and the OpenAI-compatible servers that keep
 * the endpoint (vLLM, TGI, Together, Fireworks…). `prepare` lets a family resolve its key and base URL first and
 * apply its checks, exactly as its chat adapter does.
 */
export function createOpenAICompletions(
  wire: OpenAIWireOptions,
  prepare: (
    request: ChatRequest,
    context: ProviderCallContext,
  ) => { request: ChatRequest; context: ProviderCallContext } = (request, context) => ({ request, context }),
): HttpProviderAdapter {
  return {
    kind: "http",
    id: wire.provider,
    capabilities: ["streaming", "n"],
    framing: "sse",
    buildRequest: (request, context) => {
      const prepared = prepare(request, context);
      return buildOpenAICompletionRequest(prepared.request, prepared.context, wire);
    },
    parseResponse: (body) => parseOpenAICompletionResponse(wire.provider, body),
    createStreamDecoder: () => new OpenAICompletionStreamDecoder(wire.provider),
    parseError: (status, bodyText, headers) => parseOpenAIError(wire.provider, status, bodyText, headers),
  };
}
