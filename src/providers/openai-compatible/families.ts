import { OPEN_WEIGHTS_SAMPLING_OPTIONS } from "../openai/openai-options.js";
import { checks, type OptionRule } from "../shared/provider-options.js";

/**
 * The OpenAI-compatible family: hosts that speak OpenAI's Chat Completions wire at a known base URL with a key
 * from a known variable. One row per LiteLLM prefix; behaviour differences that are not just data live in the
 * OpenAI decoder (which already tolerates every stream quirk seen in the recordings: DeepSeek/vLLM
 * `reasoning_content`, Ollama/OpenRouter `reasoning`, Groq usage under `x_groq`, tool-call indexes starting at 1
 * or missing, calls without ids).
 */
export interface OpenAICompatibleFamily {
  /** The `litellm_params.model` prefix, also the provider id. */
  prefix: string;
  /** Base URL including the version path; undefined when `api_base` is required. */
  defaultBase?: string;
  /** Key variables, first set wins (after the deployment's `api_key`). */
  keyEnv: readonly string[];
  /** Base URL variables, first set wins (after the deployment's `api_base`). */
  baseEnv: readonly string[];
  /** Local servers run without a key; hosted APIs fail fast without one. */
  keyOptional: boolean;
  /** Host takes `top_k` (OpenAI does not). */
  acceptsTopK: boolean;
  /** Parameters the host rejects, by OpenAI name (checked before sending, so the caller gets a clear 400). */
  unsupported: readonly string[];
  /**
   * Knobs the host documents beyond OpenAI's that callers may add (provider options or pass-through fields),
   * on top of OpenAI's own allow-list (openai/openai-options.ts). Nothing here may choose a model, a route, a
   * token limit or a price (GUARDS 8b).
   */
  options?: Readonly<Record<string, OptionRule>>;
}

const PERPLEXITY_SEARCH_OPTIONS: Readonly<Record<string, OptionRule>> = {
  search_domain_filter: {},
  search_recency_filter: { check: checks.oneOf("hour", "day", "week", "month", "year") },
  return_images: { check: checks.boolean },
  return_related_questions: { check: checks.boolean },
};

export const OPENAI_COMPATIBLE_FAMILIES: readonly OpenAICompatibleFamily[] = [
  {
    prefix: "groq",
    defaultBase: "https://api.groq.com/openai/v1",
    keyEnv: ["GROQ_API_KEY"],
    baseEnv: ["GROQ_API_BASE"],
    keyOptional: false,
    acceptsTopK: false,
    unsupported: ["logprobs", "top_logprobs", "logit_bias"],
    options: { reasoning_format: { check: checks.oneOf("parsed", "raw", "hidden") } },
  },
  {
    prefix: "deepseek",
    defaultBase: "https://api.deepseek.com/v1",
    keyEnv: ["DEEPSEEK_API_KEY"],
    baseEnv: ["DEEPSEEK_API_BASE"],
    keyOptional: false,
    acceptsTopK: false,
    unsupported: ["n", "logit_bias"],
  },
  {
    prefix: "xai",
    defaultBase: "https://api.x.ai/v1",
    keyEnv: ["XAI_API_KEY"],
    baseEnv: ["XAI_API_BASE"],
    keyOptional: false,
    acceptsTopK: false,
    unsupported: [],
  },
  {
    prefix: "openrouter",
    defaultBase: "https://openrouter.ai/api/v1",
    keyEnv: ["OPENROUTER_API_KEY", "OR_API_KEY"],
    baseEnv: ["OPENROUTER_API_BASE"],
    keyOptional: false,
    acceptsTopK: true,
    unsupported: [],
    options: OPEN_WEIGHTS_SAMPLING_OPTIONS,
  },
  {
    prefix: "together_ai",
    defaultBase: "https://api.together.xyz/v1",
    keyEnv: ["TOGETHERAI_API_KEY", "TOGETHER_AI_API_KEY", "TOGETHER_API_KEY"],
    baseEnv: ["TOGETHERAI_API_BASE"],
    keyOptional: false,
    acceptsTopK: true,
    unsupported: [],
    options: OPEN_WEIGHTS_SAMPLING_OPTIONS,
  },
  {
    prefix: "fireworks_ai",
    defaultBase: "https://api.fireworks.ai/inference/v1",
    keyEnv: ["FIREWORKS_AI_API_KEY", "FIREWORKS_API_KEY", "FIREWORKSAI_API_KEY"],
    baseEnv: ["FIREWORKS_AI_API_BASE"],
    keyOptional: false,
    acceptsTopK: true,
    unsupported: [],
    options: OPEN_WEIGHTS_SAMPLING_OPTIONS,
  },
  {
    prefix: "perplexity",
    defaultBase: "https://api.perplexity.ai",
    keyEnv: ["PERPLEXITYAI_API_KEY", "PERPLEXITY_API_KEY"],
    baseEnv: ["PERPLEXITY_API_BASE"],
    keyOptional: false,
    acceptsTopK: true,
    unsupported: ["tools", "tool_choice", "n", "logit_bias"],
    options: PERPLEXITY_SEARCH_OPTIONS,
  },
  {
    prefix: "cerebras",
    defaultBase: "https://api.cerebras.ai/v1",
    keyEnv: ["CEREBRAS_API_KEY"],
    baseEnv: ["CEREBRAS_API_BASE"],
    keyOptional: false,
    acceptsTopK: false,
    unsupported: [],
  },
  {
    prefix: "deepinfra",
    defaultBase: "https://api.deepinfra.com/v1/openai",
    keyEnv: ["DEEPINFRA_API_KEY"],
    baseEnv: ["DEEPINFRA_API_BASE"],
    keyOptional: false,
    acceptsTopK: true,
    unsupported: [],
    options: OPEN_WEIGHTS_SAMPLING_OPTIONS,
  },
  {
    prefix: "hosted_vllm",
    keyEnv: ["HOSTED_VLLM_API_KEY"],
    baseEnv: ["HOSTED_VLLM_API_BASE"],
    keyOptional: true,
    acceptsTopK: true,
    unsupported: [],
    options: OPEN_WEIGHTS_SAMPLING_OPTIONS,
  },
  {
    prefix: "lm_studio",
    defaultBase: "http://localhost:1234/v1",
    keyEnv: ["LM_STUDIO_API_KEY"],
    baseEnv: ["LM_STUDIO_API_BASE"],
    keyOptional: true,
    acceptsTopK: true,
    unsupported: [],
    options: OPEN_WEIGHTS_SAMPLING_OPTIONS,
  },
];

export function findFamily(prefix: string): OpenAICompatibleFamily | undefined {
  return OPENAI_COMPATIBLE_FAMILIES.find((family) => family.prefix === prefix);
}
