import { readFileSync } from "node:fs";
import { findProvider, type ModelInfo, type Provider } from "@pydantic/genai-prices";

/**
 * The model catalog kept by others: `@pydantic/genai-prices` (weekly releases, prices with cache reads/writes and
 * context tiers, per-provider model-name rules). Read here once so that provider inference (config, library) and
 * the price table (usage) say the same thing. Our provider ids map onto the catalog's; a provider without a
 * catalog entry (ollama, hosted_vllm, lm_studio, deepinfra, mock) has no catalog prices and no inferred names.
 */

/** Our provider id → the catalog's provider ids, tried in order (the catalog's own fallbacks come after). */
const CATALOG_PROVIDERS: Readonly<Record<string, readonly string[]>> = {
  openai: ["openai"],
  anthropic: ["anthropic"],
  gemini: ["google"],
  vertex_ai: ["google"],
  bedrock: ["aws"],
  azure: ["azure"],
  mistral: ["mistral"],
  cohere: ["cohere"],
  groq: ["groq"],
  deepseek: ["deepseek"],
  xai: ["x-ai"],
  openrouter: ["openrouter"],
  together_ai: ["together"],
  fireworks_ai: ["fireworks"],
  perplexity: ["perplexity"],
  cerebras: ["cerebras"],
};

/** Prices as the catalog states them: USD per million tokens, a number or a base with prompt-size tiers. */
export type CatalogRate = number | { base: number; tiers: readonly { start: number; price: number }[] };

export interface CatalogModel {
  /** The catalog's model id. */
  id: string;
  /** The catalog provider it came from (`google`, `aws`, …). */
  catalogProvider: string;
  contextWindow?: number;
  /** `input_mtok`, `output_mtok`, `cache_read_mtok`, `cache_write_mtok`, … as of `at`. */
  rates: Readonly<Record<string, CatalogRate>>;
}

type MatchLogic = ModelInfo["match"];

/** The catalog's match rules (equals, starts_with, ends_with, contains, regex, or, and), case-insensitive. */
export function matchesModel(logic: MatchLogic, name: string): boolean {
  const rule = logic as Record<string, unknown>;
  const lower = name.toLowerCase();
  if (Array.isArray(rule.or)) return rule.or.some((inner) => matchesModel(inner as MatchLogic, name));
  if (Array.isArray(rule.and)) return rule.and.every((inner) => matchesModel(inner as MatchLogic, name));
  if (typeof rule.equals === "string") return lower === rule.equals.toLowerCase();
  if (typeof rule.starts_with === "string") return lower.startsWith(rule.starts_with.toLowerCase());
  if (typeof rule.ends_with === "string") return lower.endsWith(rule.ends_with.toLowerCase());
  if (typeof rule.contains === "string") return lower.includes(rule.contains.toLowerCase());
  if (typeof rule.regex === "string") return new RegExp(rule.regex).test(name);
  return false;
}

const providerCache = new Map<string, Provider | undefined>();

function catalogProvider(id: string): Provider | undefined {
  if (!providerCache.has(id)) providerCache.set(id, findProvider({ providerId: id }));
  return providerCache.get(id);
}

/** The prices in force at `at`: the last constrained entry whose start date has passed, else the first. */
function ratesAt(model: ModelInfo, at: Date): Record<string, CatalogRate> {
  const prices = model.prices as unknown;
  const pick = (value: unknown): Record<string, CatalogRate> => {
    const out: Record<string, CatalogRate> = {};
    if (typeof value !== "object" || value === null) return out;
    for (const [key, rate] of Object.entries(value)) {
      if (typeof rate === "number" && Number.isFinite(rate) && rate >= 0) out[key] = rate;
      else if (
        typeof rate === "object" &&
        rate !== null &&
        typeof (rate as { base?: unknown }).base === "number"
      ) {
        const tiered = rate as { base: number; tiers?: { start: number; price: number }[] };
        out[key] = { base: tiered.base, tiers: [...(tiered.tiers ?? [])].sort((a, b) => a.start - b.start) };
      }
    }
    return out;
  };
  if (!Array.isArray(prices)) return pick(prices);
  // Time-of-day prices (DeepSeek's peak/off-peak) cannot be one list price, and the catalog's were stale when
  // checked (2026-12: DeepSeek bills one flat rate since 2025-09): treated as unpriced here, so the shipped table
  // answers.
  if (
    prices.some((entry) => (entry as { constraint?: { type?: string } }).constraint?.type === "time_of_date")
  )
    return {};
  for (let index = prices.length - 1; index >= 0; index -= 1) {
    const entry = prices[index] as { constraint?: { type?: string; start_date?: string }; prices: unknown };
    const constraint = entry.constraint;
    if (constraint === undefined) return pick(entry.prices);
    if (constraint.type === "start_date" && constraint.start_date !== undefined) {
      if (at >= new Date(constraint.start_date)) return pick(entry.prices);
    }
  }
  return pick((prices[0] as { prices: unknown } | undefined)?.prices);
}

function findIn(providerId: string, name: string, at: Date, seen: Set<string>): CatalogModel | undefined {
  if (seen.has(providerId)) return undefined;
  seen.add(providerId);
  const provider = catalogProvider(providerId);
  if (provider === undefined) return undefined;
  const model = provider.models.find((candidate) => matchesModel(candidate.match, name));
  if (model !== undefined) {
    return {
      id: model.id,
      catalogProvider: provider.id,
      ...(model.context_window !== undefined ? { contextWindow: model.context_window } : {}),
      rates: ratesAt(model, at),
    };
  }
  for (const fallback of provider.fallback_model_providers ?? []) {
    const found = findIn(fallback, name, at, seen);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The catalog's entry for one of our providers' models, by the catalog's own match rules (which know dated
 * snapshots and aliases), or undefined. `names` are tried in order (the price table's candidates).
 */
export function findCatalogModel(
  provider: string,
  names: readonly string[],
  at: Date = new Date(),
): CatalogModel | undefined {
  const catalogIds = CATALOG_PROVIDERS[provider];
  if (catalogIds === undefined) return undefined;
  for (const name of names) {
    for (const id of catalogIds) {
      const found = findIn(id, name, at, new Set());
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Every model the catalog prices for one of our providers (its own models, not its fallbacks'), by catalog id. */
export function catalogModelIds(provider: string): string[] {
  const ids: string[] = [];
  for (const id of CATALOG_PROVIDERS[provider] ?? []) {
    for (const model of catalogProvider(id)?.models ?? []) {
      const rates = ratesAt(model, new Date());
      if (rates.input_mtok !== undefined || rates.output_mtok !== undefined) ids.push(model.id);
    }
  }
  return ids;
}

/**
 * Whether the catalog says a provider serves a model name: `family` checks the provider's naming rule
 * (`contains: claude`, `starts_with: gpt-`, …); `listed` checks its model list (which, for Google, also holds the
 * Claude models Vertex serves, so it is asked only when no family rule claims the name).
 */
export function catalogClaims(provider: string, name: string, by: "family" | "listed"): boolean {
  const catalogId = CATALOG_PROVIDERS[provider]?.[0];
  const entry = catalogId === undefined ? undefined : catalogProvider(catalogId);
  if (entry === undefined) return false;
  if (by === "family") return entry.model_match !== undefined && matchesModel(entry.model_match, name);
  return entry.models.some((model) => matchesModel(model.match, name));
}

let version: string | undefined;

/** `@pydantic/genai-prices@x.y.z`, for `switchboard check` and the docs. */
export function catalogVersion(): string {
  if (version === undefined) {
    try {
      const entry = new URL(import.meta.resolve("@pydantic/genai-prices"));
      const manifest = JSON.parse(readFileSync(new URL("../package.json", entry), "utf8")) as {
        version?: unknown;
      };
      version = `@pydantic/genai-prices@${typeof manifest.version === "string" ? manifest.version : "unknown"}`;
    } catch {
      version = "@pydantic/genai-prices@unknown";
    }
  }
  return version;
}
