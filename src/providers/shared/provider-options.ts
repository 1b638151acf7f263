import type { ProviderOptions } from "../../core/types/chat.js";

/**
 * Reading `providerOptions` the same way in every provider. Callers may write a knob flat
 * (`{ cache_control: {...} }`) or namespaced by provider id (`{ anthropic: { cache_control: {...} } }`); the
 * namespaced form wins, so one request can carry knobs for several providers during a fallback without one
 * provider receiving another's settings.
 */
export function readProviderOption(
  options: ProviderOptions | undefined,
  namespaces: readonly string[],
  keys: readonly string[],
): unknown {
  if (options === undefined) return undefined;
  for (const namespace of namespaces) {
    const scoped = options[namespace];
    if (isPlainObject(scoped)) {
      for (const key of keys) if (scoped[key] !== undefined) return scoped[key];
    }
  }
  for (const key of keys) if (options[key] !== undefined) return options[key];
  return undefined;
}

/** Provider ids whose namespaced options are never merged into another provider's body. */
const PROVIDER_NAMESPACES = new Set([
  "openai",
  "azure",
  "anthropic",
  "gemini",
  "google",
  "vertex_ai",
  "vertex",
  "bedrock",
  "mistral",
  "cohere",
  "ollama",
  "openai_compatible",
  "mock",
]);

/**
 * The request-level `providerOptions` that belong in this provider's upstream body: flat keys that are not a
 * provider namespace, then the provider's own namespace on top. Objects are merged one level deep so that
 * `{ generationConfig: { responseModalities } }` adds to the translated generationConfig instead of replacing it.
 */
export function bodyProviderOptions(
  options: ProviderOptions | undefined,
  namespaces: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (options === undefined) return out;
  for (const [key, value] of Object.entries(options)) {
    if (PROVIDER_NAMESPACES.has(key)) continue;
    out[key] = value;
  }
  for (const namespace of namespaces) {
    const scoped = options[namespace];
    if (isPlainObject(scoped)) Object.assign(out, scoped);
  }
  return out;
}

/** Merges provider options into a translated body; plain objects merge one level deep, anything else replaces. */
export function mergeIntoBody(body: Record<string, unknown>, extra: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(extra)) {
    const current = body[key];
    if (isPlainObject(current) && isPlainObject(value)) body[key] = { ...current, ...value };
    else body[key] = value;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
