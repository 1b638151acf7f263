import { ANY_VALUE, checks, type ProviderOptionsPolicy } from "../shared/provider-options.js";

/**
 * What callers may add to a Mistral body (GUARDS 8b): `safe_prompt` (a system-prompt guard) and Magistral's
 * `prompt_mode`. `prediction` (billed beyond the token limit), `random_seed`/`max_tokens` (modelled) stay out.
 */
export const MISTRAL_OPTIONS: ProviderOptionsPolicy = {
  provider: "mistral",
  namespaces: ["mistral"],
  allowed: {
    safe_prompt: { check: checks.boolean },
    prompt_mode: ANY_VALUE,
  },
};
