import {
  ANY_VALUE,
  checks,
  type OptionRule,
  type ProviderOptionsPolicy,
} from "../shared/provider-options.js";

/**
 * What callers may add to an OpenAI Chat Completions body beyond the fields we model, through `provider_options`
 * or as top-level pass-through fields (GUARDS 8b). Grounded in `CreateChatCompletionRequest`
 * (test/fixtures/conformance/openai/openapi.yaml); of its properties that we do not model:
 * - allowed: `verbosity` (a length hint, still bounded by the token limit), `prompt_cache_key` (a cache-routing
 *   hint inside the operator's own cache), `safety_identifier` (the end user, like `user`, ≤ 64 characters),
 *   `store: false` (the default), `modalities: ["text"]`;
 * - refused: `service_tier` (priority/flex are priced differently from what the ledger charges), `audio` and
 *   non-text `modalities` (audio output is priced apart), `prediction` (rejected prediction tokens are billed
 *   beyond the token limit the gateway reserved for), `web_search_options` (a per-call fee the ledger does not
 *   see), `store: true` and `prompt_cache_retention` (what the operator's account keeps is the operator's call),
 *   `moderation` and `prompt_cache_options` (new, cost not known), `functions`/`function_call` (use `tools`,
 *   which the gateway translates), and every alias of a modelled field (`max_output_tokens`, …).
 * An allow-list rather than a deny-list: a field OpenAI adds tomorrow stays out until someone reads what it costs.
 */
export const OPENAI_ALLOWED_OPTIONS: Readonly<Record<string, OptionRule>> = {
  verbosity: { check: checks.oneOf("low", "medium", "high") },
  prompt_cache_key: { check: checks.string(1024) },
  safety_identifier: { check: checks.string(64) },
  store: { check: checks.falseOnly },
  modalities: { check: checks.textModalitiesOnly },
};

/** The OpenAI policy: the `openai` namespace (and flat keys). */
export const OPENAI_OPTIONS: ProviderOptionsPolicy = {
  provider: "openai",
  namespaces: ["openai"],
  allowed: OPENAI_ALLOWED_OPTIONS,
};

/**
 * Sampling knobs that OpenAI-compatible servers document beyond OpenAI's (vLLM, Together, Fireworks, OpenRouter,
 * DeepInfra, LM Studio): none of them changes the model, the token limit, the number of choices or the price.
 * `best_of`, `use_beam_search`, OpenRouter's `models`/`route`/`provider` (routing to other models) and
 * `reasoning` (its own token budget) stay out.
 */
export const OPEN_WEIGHTS_SAMPLING_OPTIONS: Readonly<Record<string, OptionRule>> = {
  repetition_penalty: { check: checks.number },
  min_p: { check: checks.number },
  top_a: { check: checks.number },
  typical_p: { check: checks.number },
  min_tokens: { check: checks.number },
  skip_special_tokens: { check: checks.boolean },
  include_stop_str_in_output: { check: checks.boolean },
  guided_json: ANY_VALUE,
  guided_regex: { check: checks.string(10_000) },
  guided_choice: ANY_VALUE,
  guided_grammar: { check: checks.string(100_000) },
};

/** A policy for an OpenAI-compatible host: OpenAI's knobs plus the host's own. */
export function openAICompatibleOptions(
  provider: string,
  extra: Readonly<Record<string, OptionRule>> = {},
): ProviderOptionsPolicy {
  return {
    provider,
    namespaces: [provider, "openai_compatible"],
    allowed: { ...OPENAI_ALLOWED_OPTIONS, ...extra },
  };
}
