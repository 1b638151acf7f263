import { catalogClaims } from "./known-models.js";

/**
 * Every provider prefix a model name may carry (`openai/…`), as the provider registry serves them. Kept here (the
 * core cannot import providers/) and held equal to the registry by test/unit/provider-inference.test.ts.
 */
export const PROVIDER_PREFIXES: readonly string[] = [
  "anthropic",
  "azure",
  "bedrock",
  "cerebras",
  "cohere",
  "deepinfra",
  "deepseek",
  "fireworks_ai",
  "gemini",
  "groq",
  "hosted_vllm",
  "lm_studio",
  "mistral",
  "mock",
  "ollama",
  "ollama_chat",
  "openai",
  "openrouter",
  "perplexity",
  "together_ai",
  "vertex_ai",
  "voyage",
  "xai",
];

/**
 * Providers whose model names are their own, so that a bare name can be told by the catalog's name rules
 * (`gpt-4o`, `o3` → openai; `claude-…` → anthropic; `gemini-…` → gemini; `mistral-…`, `codestral-…` → mistral;
 * `command-…` → cohere; `grok-…` → xai; `deepseek-…` → deepseek). Hosts that serve others' models (Bedrock,
 * Vertex, Azure, Groq, OpenRouter, …) always need their prefix, as in LiteLLM.
 */
const FIRST_PARTY: readonly string[] = [
  "openai",
  "anthropic",
  "gemini",
  "mistral",
  "cohere",
  "xai",
  "deepseek",
];

/** `vendor.model` (optionally a region first): the id form of hosting platforms, not of the vendor's own API. */
const VENDOR_DOTTED = /^(?:[a-z]{2,10}\.)?[a-z][a-z0-9-]*\.[a-z]/;

export type ProviderInference = { provider: string; model: string } | { problem: string };

/**
 * The provider of a bare model name, through the model catalog. A name no first-party provider claims, or one
 * that several claim, is a problem naming the prefixes to choose from — never a guess.
 */
export function inferProvider(model: string): ProviderInference {
  if (VENDOR_DOTTED.test(model)) {
    // `anthropic.claude-…`, `us.meta.llama…`: a hosting platform's id (Bedrock's form), never the vendor's own API.
    return {
      problem: `'${model}' has no provider prefix and names a model by a platform's id ('vendor.model', as Bedrock does); write it with its platform's prefix, e.g. 'bedrock/${model}'`,
    };
  }
  let claims = FIRST_PARTY.filter((provider) => catalogClaims(provider, model, "family"));
  if (claims.length === 0)
    claims = FIRST_PARTY.filter((provider) => catalogClaims(provider, model, "listed"));
  const choose = `write it as 'provider/${model}' with one of: ${PROVIDER_PREFIXES.filter((p) => p !== "mock")
    .map((p) => `${p}/`)
    .join(", ")}`;
  if (claims.length === 1) return { provider: claims[0] as string, model };
  if (claims.length === 0) {
    return {
      problem: `'${model}' has no provider prefix and the model catalog does not know which provider serves it; ${choose}`,
    };
  }
  return {
    problem: `'${model}' has no provider prefix and the model catalog matches several providers (${claims.join(", ")}); ${choose}`,
  };
}
