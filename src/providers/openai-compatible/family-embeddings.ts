import type { EmbeddingAdapter } from "../../core/embeddings/embedding-adapter.js";
import type { Deployment } from "../../core/types/deployment.js";
import type { HttpProviderAdapter } from "../../core/types/provider.js";
import { createOpenAIEmbeddings } from "../openai/openai-embeddings.js";
import type { OpenAICompatibleFamily } from "./families.js";

/**
 * The OpenAI-compatible hosts that serve `/embeddings`, and whether they take token-id inputs (vLLM does). Hosts
 * not listed (Groq, DeepSeek, xAI, Perplexity, Cerebras, OpenRouter) have no embeddings API: a request for one of
 * their models is a 400 naming the model. Floats are asked for (every host's default) and encoded at the edge.
 */
const EMBEDDING_HOSTS: Readonly<Record<string, { acceptsTokens: boolean; maxInputsPerCall: number }>> = {
  together_ai: { acceptsTokens: false, maxInputsPerCall: 512 },
  fireworks_ai: { acceptsTokens: false, maxInputsPerCall: 512 },
  deepinfra: { acceptsTokens: false, maxInputsPerCall: 512 },
  hosted_vllm: { acceptsTokens: true, maxInputsPerCall: 2048 },
  lm_studio: { acceptsTokens: false, maxInputsPerCall: 512 },
};

/** `{ embeddings }` for a family whose host serves them, else nothing. */
export function familyEmbeddings(
  family: OpenAICompatibleFamily,
  /** The deployment with the family's key and base URL resolved (index.ts's resolution, shared with chat). */
  resolve: (deployment: Deployment) => Deployment,
): Pick<HttpProviderAdapter, "embeddings"> {
  const host = EMBEDDING_HOSTS[family.prefix];
  if (host === undefined) return {};
  const embeddings: EmbeddingAdapter = createOpenAIEmbeddings({
    provider: family.prefix,
    passEncoding: false,
    sendUser: false,
    maxInputsPerCall: host.maxInputsPerCall,
    acceptsTokens: host.acceptsTokens,
    target(deployment) {
      const params = resolve(deployment).params;
      const headers: Record<string, string> = { ...params.extraHeaders };
      if (params.apiKey !== undefined) headers["authorization"] = `Bearer ${params.apiKey}`;
      return {
        url: `${(params.apiBase ?? "").replace(/\/+$/, "")}/embeddings`,
        headers,
        model: deployment.model,
      };
    },
  });
  return { embeddings };
}
