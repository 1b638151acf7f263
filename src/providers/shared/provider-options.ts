import { invalidRequest, unsupportedParameter } from "../../core/errors/gateway-error.js";
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
export const PROVIDER_NAMESPACES: ReadonlySet<string> = new Set([
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
  "ollama_chat",
  "openai_compatible",
  "mock",
  "groq",
  "deepseek",
  "xai",
  "openrouter",
  "together_ai",
  "fireworks_ai",
  "perplexity",
  "cerebras",
  "deepinfra",
  "hosted_vllm",
  "lm_studio",
]);

/**
 * Flat request-level keys that are hints read elsewhere (Anthropic/Bedrock prompt caching): a provider whose
 * allow-list does not take them ignores them instead of refusing the request or sending them to an upstream
 * that rejects them.
 */
const CROSS_PROVIDER_HINTS: ReadonlySet<string> = new Set(["cache_control", "cacheControl", "cachePoint"]);

/**
 * One knob a caller may add to a provider's upstream body (GUARDS 8b). `keys` makes the value an object that is
 * merged one level deep into what the gateway built, and lists the only sub-keys it may carry; `check` refuses
 * values that would change cost or identity (it returns the reason).
 */
export interface OptionRule {
  readonly keys?: Readonly<Record<string, OptionRule>>;
  readonly check?: (value: unknown) => string | undefined;
}

/** Shorthand for a knob taken as it is. */
export const ANY_VALUE: OptionRule = {};

/**
 * What a provider lets callers add through `provider_options` (and, on OpenAI-compatible wires, through
 * top-level pass-through fields): an explicit allow-list, declared in the provider's own folder. Everything the
 * gateway decides (model, messages, token limits, streaming, tools, URL, identity, anything that changes cost)
 * is absent by construction.
 */
export interface ProviderOptionsPolicy {
  /** Provider id, for error messages. */
  readonly provider: string;
  /** Namespaces read for this provider, in order (the first is the provider id). */
  readonly namespaces: readonly string[];
  readonly allowed: Readonly<Record<string, OptionRule>>;
}

function refuse(path: string, provider: string, why?: string): never {
  throw invalidRequest(
    `'${path}' cannot be set by callers for provider '${provider}'${why !== undefined ? `: ${why}` : ""}. ` +
      "Provider options may only add knobs the provider documents that the gateway does not decide itself.",
    path,
  );
}

function checkValue(rule: OptionRule, value: unknown, path: string, provider: string): void {
  const reason = rule.check?.(value);
  if (reason !== undefined) refuse(path, provider, reason);
  if (rule.keys === undefined) return;
  if (!isPlainObject(value)) refuse(path, provider, "it must be an object");
  for (const [key, inner] of Object.entries(value)) {
    const innerRule = Object.hasOwn(rule.keys, key) ? rule.keys[key] : undefined;
    if (innerRule === undefined) refuse(`${path}.${key}`, provider);
    checkValue(innerRule, inner, `${path}.${key}`, provider);
  }
}

/**
 * The request-level `providerOptions` that belong in this provider's upstream body: flat keys that are neither a
 * provider namespace nor a cross-provider hint, then the provider's own namespace on top, each checked against
 * the policy. A key the policy does not list is a 400 naming it (`provider_options.model`,
 * `provider_options.gemini.generationConfig.maxOutputTokens`), whatever `drop_params` says: it is a caller
 * trying to decide what the gateway decides, not a parameter a provider happens to lack.
 */
export function callerBodyOptions(
  options: ProviderOptions | undefined,
  policy: ProviderOptionsPolicy,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (options === undefined) return out;
  const take = (key: string, value: unknown, path: string) => {
    const rule = Object.hasOwn(policy.allowed, key) ? policy.allowed[key] : undefined;
    if (rule === undefined) refuse(path, policy.provider);
    checkValue(rule, value, path, policy.provider);
    out[key] = isPlainObject(out[key]) && isPlainObject(value) ? { ...out[key], ...value } : value;
  };
  const hint = (key: string) => CROSS_PROVIDER_HINTS.has(key) && !Object.hasOwn(policy.allowed, key);
  for (const [key, value] of Object.entries(options)) {
    if (PROVIDER_NAMESPACES.has(key) || policy.namespaces.includes(key) || hint(key)) continue;
    take(key, value, `provider_options.${key}`);
  }
  for (const namespace of policy.namespaces) {
    const scoped = options[namespace];
    if (scoped === undefined) continue;
    if (!isPlainObject(scoped))
      refuse(`provider_options.${namespace}`, policy.provider, "it must be an object");
    for (const [key, value] of Object.entries(scoped)) {
      if (hint(key)) continue;
      take(key, value, `provider_options.${namespace}.${key}`);
    }
  }
  return out;
}

/**
 * Top-level fields we do not model, on an OpenAI-compatible wire: only the policy's knobs reach the upstream.
 * Anything else is `unsupported_parameter` naming it (dropped instead under `drop_params`, so it never reaches
 * the upstream either way).
 */
export function callerPassthrough(
  passthrough: Record<string, unknown> | undefined,
  policy: ProviderOptionsPolicy,
  dropParams: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (passthrough === undefined) return out;
  for (const [key, value] of Object.entries(passthrough)) {
    const rule = Object.hasOwn(policy.allowed, key) ? policy.allowed[key] : undefined;
    if (rule === undefined) {
      if (dropParams) continue;
      throw unsupportedParameter(policy.provider, key);
    }
    checkValue(rule, value, key, policy.provider);
    out[key] = value;
  }
  return out;
}

/**
 * Options on a message, part or tool: hints that translators read by name (`cache_control`, `thoughtSignature`,
 * `is_error`). Only `keys` are copied into the upstream object, from the flat form or the provider's namespaces;
 * everything else is left out (it may be another provider's hint), so a caller can never replace the `role`,
 * `content` or `function` the gateway built.
 */
export function pickNestedOptions(
  options: ProviderOptions | undefined,
  namespaces: readonly string[],
  keys: readonly string[],
): Record<string, unknown> | undefined {
  if (options === undefined || keys.length === 0) return undefined;
  let out: Record<string, unknown> | undefined;
  for (const key of keys) {
    const value = readProviderOption(options, namespaces, [key]);
    if (value === undefined) continue;
    out ??= {};
    out[key] = value;
  }
  return out;
}

/**
 * Adds checked caller fields to a translated body (GUARDS 8b: callers only add). Plain objects merge one level
 * deep; a field — or, inside an object, a sub-field — that the translation already set is the gateway's decision
 * and is never replaced: the request is refused with a 400 naming it. Every provider merges caller additions here.
 */
export function mergeIntoBody(
  body: Record<string, unknown>,
  extra: Record<string, unknown> | undefined,
): void {
  if (extra === undefined) return;
  for (const [key, value] of Object.entries(extra)) {
    const current = body[key];
    if (current === undefined) {
      body[key] = value;
      continue;
    }
    if (!isPlainObject(current) || !isPlainObject(value)) throw decidedByGateway(key);
    for (const sub of Object.keys(value)) {
      if (current[sub] !== undefined) throw decidedByGateway(`${key}.${sub}`);
    }
    body[key] = { ...current, ...value };
  }
}

function decidedByGateway(field: string) {
  return invalidRequest(
    `'${field}' is set by the gateway for this request (from the request's own fields or the deployment) and cannot be replaced by a caller addition.`,
    field,
  );
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Value checks shared by several policies. */
export const checks = {
  /** `store`: the operator's account keeps no caller data unless the operator says so. */
  falseOnly: (value: unknown) => (value === false ? undefined : "only false is accepted"),
  /** Output modalities other than text are priced differently from what the gateway reserved for. */
  textModalitiesOnly: (value: unknown) =>
    Array.isArray(value) && value.every((item) => typeof item === "string" && item.toLowerCase() === "text")
      ? undefined
      : "only text output is accepted",
  string: (max: number) => (value: unknown) =>
    typeof value === "string" && value.length <= max
      ? undefined
      : `it must be a string of at most ${max} characters`,
  oneOf:
    (...allowed: readonly (string | number | boolean)[]) =>
    (value: unknown) =>
      allowed.includes(value as string) ? undefined : `it must be one of ${allowed.join(", ")}`,
  number: (value: unknown) =>
    typeof value === "number" && Number.isFinite(value) ? undefined : "it must be a finite number",
  boolean: (value: unknown) => (typeof value === "boolean" ? undefined : "it must be true or false"),
} as const;
