import type { ChatRequest } from "../../core/types/chat.js";
import type { HttpProviderAdapter, ProviderCallContext } from "../../core/types/provider.js";
import type { OpenAIWireOptions } from "../openai/convert-to-openai-request.js";
import { createOpenAICompletions } from "../openai/openai-completions.js";
import type { OpenAICompatibleFamily } from "./families.js";

/**
 * The OpenAI-compatible hosts that keep the legacy `/completions` endpoint (each documents it: vLLM's OpenAI
 * server, Together, Fireworks, DeepInfra's `/v1/openai/completions`, LM Studio, OpenRouter). TGI serves it too,
 * reached as `openai/<model>` or `hosted_vllm/<model>` with its `api_base`. Groq, DeepSeek (its FIM endpoint is
 * a beta under another path), xAI, Perplexity and Cerebras are not listed: a completion for one of their models
 * is a 400 naming the model.
 */
const COMPLETION_HOSTS: ReadonlySet<string> = new Set([
  "hosted_vllm",
  "together_ai",
  "fireworks_ai",
  "deepinfra",
  "lm_studio",
  "openrouter",
]);

/** `{ completions }` for a family whose host serves them, else nothing. */
export function familyCompletions(
  family: OpenAICompatibleFamily,
  wire: OpenAIWireOptions,
  /** The family's key and base URL resolution and checks (index.ts's, shared with chat). */
  prepare: (
    request: ChatRequest,
    context: ProviderCallContext,
  ) => { request: ChatRequest; context: ProviderCallContext },
): Pick<HttpProviderAdapter, "completions"> {
  if (!COMPLETION_HOSTS.has(family.prefix)) return {};
  return { completions: createOpenAICompletions(wire, prepare) };
}
