import { checks, type ProviderOptionsPolicy } from "../shared/provider-options.js";

/**
 * What callers may add to a Cohere v2 chat body (GUARDS 8b): `safety_mode`, `citation_options`, `priority`.
 * Refused: `model`, `messages`, `documents` (prompt input the gateway did not meter), `max_tokens`, `stream`,
 * `tools`/`tool_choice`, `thinking` (set from the reasoning fields), `k`/`p`/`seed` (modelled), `logprobs`.
 */
export const COHERE_OPTIONS: ProviderOptionsPolicy = {
  provider: "cohere",
  namespaces: ["cohere"],
  allowed: {
    safety_mode: { check: checks.oneOf("CONTEXTUAL", "STRICT", "OFF") },
    citation_options: { keys: { mode: { check: checks.oneOf("FAST", "ACCURATE", "OFF") } } },
    priority: { check: checks.number },
  },
};
