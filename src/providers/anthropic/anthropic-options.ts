import { checks, isPlainObject, type ProviderOptionsPolicy } from "../shared/provider-options.js";
import { ANTHROPIC_PROVIDER_ID } from "./anthropic-error.js";

/**
 * What callers may add to a Messages API body (GUARDS 8b): `cache_control` (automatic prompt caching; cache
 * writes are priced, and reserved for, at the cache-write rate) and `output_config.effort` (how much of the
 * token limit the model spends; the limit itself stays the gateway's). Refused: `model`, `messages`, `system`, `max_tokens`,
 * `stream`, `tools`/`tool_choice`, `thinking` (set from `reasoning_effort` / `thinking.budget_tokens`),
 * `metadata` (set from `user`), `service_tier` (priority capacity is priced apart), `mcp_servers` (the upstream
 * would call caller-chosen URLs), `container`. Message-, part- and tool-level options are only read for
 * `cache_control` and `is_error`, never merged.
 */
export const ANTHROPIC_OPTIONS: ProviderOptionsPolicy = {
  provider: ANTHROPIC_PROVIDER_ID,
  namespaces: [ANTHROPIC_PROVIDER_ID],
  allowed: {
    cache_control: { check: (value) => (isPlainObject(value) ? undefined : "it must be an object") },
    output_config: { keys: { effort: { check: checks.string(32) } } },
  },
};
