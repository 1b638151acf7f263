import { readFileSync } from "node:fs";
import { type CatalogModel, type CatalogRate, findCatalogModel } from "../core/catalog/known-models.js";
import type { Deployment } from "../core/types/deployment.js";
import { providerDeclaration } from "../providers/registry.js";
import { type ModelPrice, type PriceTier, priceFromLiteLLM } from "./model-price.js";
import shipped from "./prices/model-prices.json" with { type: "json" };

/** The providers whose price-file and catalog names bill `provider`'s models: its own declaration (priceFamily). */
function priceFamilyOf(provider: string): readonly string[] {
  return providerDeclaration(provider)?.priceFamily ?? [];
}

const DATE_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8})(-v\d+:\d+)?$/;
const BEDROCK_REGION = /^(us|eu|apac|global|us-gov|ca|jp|au)\./;

type Entries = Map<string, { provider: string | undefined; price: ModelPrice }>;

/**
 * Model prices, in order of precedence: per-deployment `model_info` overrides; a LiteLLM-format price file that
 * users keep (`usage_settings.price_file`); the model catalog (`@pydantic/genai-prices`, src/core/catalog); and
 * last the table shipped with the project (src/usage/prices/model-prices.json), kept only for what the catalog
 * lacks (local servers, DeepInfra, a few Bedrock and Vertex ids). Lookups try the provider-qualified name, the
 * bare name, the name without a date suffix (`gpt-4.1-nano-2025-04-14` → `gpt-4.1-nano`), Bedrock ids without
 * their region prefix, and `model_info.base_model`.
 */
export class PriceTable {
  private readonly fileEntries: Entries = new Map();
  private readonly shippedEntries: Entries = new Map();
  private readonly byDeployment = new Map<string, ModelPrice | undefined>();
  private readonly byName = new Map<string, ModelPrice | undefined>();

  constructor(
    files: readonly Record<string, unknown>[] = [],
    private readonly options: { catalog?: boolean } = {},
  ) {
    this.load(this.shippedEntries, shipped as Record<string, unknown>, "table");
    for (const file of files) this.load(this.fileEntries, file, "price_file");
  }

  /** Reads a LiteLLM-format price file (`model_prices_and_context_window.json` or a subset). */
  static fromFile(path: string | undefined): PriceTable {
    if (path === undefined || path === "") return new PriceTable();
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error(`The price file ${path} must hold a JSON object of model → prices.`);
    }
    return new PriceTable([parsed as Record<string, unknown>]);
  }

  private load(entries: Entries, file: Record<string, unknown>, source: ModelPrice["source"]): void {
    for (const [name, entry] of Object.entries(file)) {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) continue;
      const record = entry as Record<string, unknown>;
      const mode = record["mode"];
      if (
        typeof mode === "string" &&
        mode !== "chat" &&
        mode !== "responses" &&
        mode !== "completion" &&
        mode !== "embedding" &&
        mode !== "rerank" &&
        mode !== "moderation"
      )
        continue;
      const price = priceFromLiteLLM(record, source);
      if (price === undefined) continue;
      const provider =
        typeof record["litellm_provider"] === "string" ? record["litellm_provider"] : undefined;
      entries.set(name, { provider, price });
    }
  }

  /** The price of a provider model by name, or undefined when nothing matches (the model is unpriced). */
  lookup(provider: string, model: string): ModelPrice | undefined {
    const key = `${provider}\u0000${model}`;
    if (this.byName.has(key)) return this.byName.get(key);
    const names = candidateNames(model, provider);
    const price =
      lookupIn(this.fileEntries, provider, names) ??
      (this.options.catalog === false ? undefined : catalogPrice(provider, names)) ??
      lookupIn(this.shippedEntries, provider, names);
    if (this.byName.size > 10_000) this.byName.clear();
    this.byName.set(key, price);
    return price;
  }

  /** The price for a deployment: `model_info` prices over the file/table price of its (base) model. */
  forDeployment(deployment: Deployment): ModelPrice | undefined {
    const key = deploymentCacheKey(deployment);
    const cached = this.byDeployment.get(key);
    if (cached !== undefined || this.byDeployment.has(key)) return cached;
    const info = deployment.info;
    const baseModel = typeof info.extra["base_model"] === "string" ? info.extra["base_model"] : undefined;
    let price =
      this.lookup(deployment.provider, deployment.model) ??
      (baseModel !== undefined ? this.lookupQualified(baseModel, deployment.provider) : undefined);
    const override = priceFromLiteLLM(
      {
        ...info.extra,
        ...(info.inputCostPerToken !== undefined ? { input_cost_per_token: info.inputCostPerToken } : {}),
        ...(info.outputCostPerToken !== undefined ? { output_cost_per_token: info.outputCostPerToken } : {}),
      },
      "model_info",
    );
    if (override !== undefined) {
      // A partial override keeps what it does not name from the table (e.g. only the output price changed).
      const named = (key: string) => key in info.extra;
      price = {
        ...(price ?? {}),
        ...override,
        inputPerToken:
          info.inputCostPerToken ??
          (named("input_cost_per_token") ? override.inputPerToken : (price?.inputPerToken ?? 0)),
        outputPerToken:
          info.outputCostPerToken ??
          (named("output_cost_per_token") ? override.outputPerToken : (price?.outputPerToken ?? 0)),
        source: "model_info",
      };
    }
    if (price !== undefined) {
      const maxOutput = info.maxOutputTokens ?? info.maxTokens;
      if (maxOutput !== undefined) price = { ...price, maxOutputTokens: maxOutput };
      if (info.maxInputTokens !== undefined) price = { ...price, maxInputTokens: info.maxInputTokens };
    }
    this.byDeployment.set(key, price);
    return price;
  }

  private lookupQualified(name: string, fallbackProvider: string): ModelPrice | undefined {
    const slash = name.indexOf("/");
    if (slash > 0) {
      const found = this.lookup(name.slice(0, slash), name.slice(slash + 1));
      if (found !== undefined) return found;
    }
    return this.lookup(fallbackProvider, name);
  }
}

function lookupIn(entries: Entries, provider: string, names: readonly string[]): ModelPrice | undefined {
  const providers = [provider, ...priceFamilyOf(provider)];
  for (const name of names) {
    for (const family of providers) {
      const qualified = entries.get(`${family}/${name}`);
      if (qualified !== undefined) return qualified.price;
    }
    const bare = entries.get(name);
    // A bare name matches when its provider is ours or a family we bill like (OpenAI and Anthropic names are bare).
    if (
      bare !== undefined &&
      (bare.provider === undefined || providers.some((p) => bare.provider?.startsWith(p)))
    )
      return bare.price;
  }
  return entries.get(`${provider}/*`)?.price;
}

/** The catalog's price for a model of ours (its own provider first, then the families we bill like). */
function catalogPrice(provider: string, names: readonly string[]): ModelPrice | undefined {
  for (const family of [provider, ...priceFamilyOf(provider)]) {
    const found = findCatalogModel(family, names);
    if (found !== undefined) {
      const price = priceFromCatalog(found);
      if (price !== undefined) return price;
    }
  }
  return undefined;
}

/** The catalog's rates (USD per million tokens, possibly tiered by prompt size) as our per-token ModelPrice. */
export function priceFromCatalog(model: CatalogModel): ModelPrice | undefined {
  const { rates } = model;
  if (rates.input_mtok === undefined && rates.output_mtok === undefined) return undefined;
  const base = (rate: CatalogRate | undefined) =>
    rate === undefined ? undefined : (typeof rate === "number" ? rate : rate.base) / 1e6;
  const price: ModelPrice = {
    inputPerToken: base(rates.input_mtok) ?? 0,
    outputPerToken: base(rates.output_mtok) ?? 0,
    source: "table",
  };
  const cacheRead = base(rates.cache_read_mtok);
  if (cacheRead !== undefined) price.cacheReadPerToken = cacheRead;
  const cacheWrite = base(rates.cache_write_mtok);
  if (cacheWrite !== undefined) price.cacheWritePerToken = cacheWrite;
  const perRequest = rates.requests_kcount;
  if (typeof perRequest === "number" && perRequest > 0) price.perRequest = perRequest / 1000;
  if (model.contextWindow !== undefined) price.maxInputTokens = model.contextWindow;
  const tiers = new Map<number, PriceTier>();
  const fields: [string, "inputPerToken" | "outputPerToken" | "cacheReadPerToken" | "cacheWritePerToken"][] =
    [
      ["input_mtok", "inputPerToken"],
      ["output_mtok", "outputPerToken"],
      ["cache_read_mtok", "cacheReadPerToken"],
      ["cache_write_mtok", "cacheWritePerToken"],
    ];
  for (const [key, field] of fields) {
    const rate = rates[key];
    if (rate === undefined || typeof rate === "number") continue;
    for (const tier of rate.tiers) {
      const entry = tiers.get(tier.start) ?? { aboveTokens: tier.start };
      entry[field] = tier.price / 1e6;
      tiers.set(tier.start, entry);
    }
  }
  if (tiers.size > 0) price.tiers = [...tiers.values()].sort((a, b) => a.aboveTokens - b.aboveTokens);
  return price;
}

function deploymentCacheKey(deployment: Deployment): string {
  return `${deployment.id}\u0000${deployment.model}`;
}

function candidateNames(model: string, provider: string): string[] {
  const names = [model];
  let bare = model;
  if (bare.startsWith("models/")) bare = bare.slice("models/".length);
  if (provider === "bedrock") bare = bare.replace(BEDROCK_REGION, "");
  if (bare !== model) names.push(bare);
  const undated = bare.replace(DATE_SUFFIX, "");
  if (undated !== bare) names.push(undated);
  // Bedrock ids: `anthropic.claude-3-haiku-20240307-v1:0` → Anthropic's `claude-3-haiku-20240307`.
  if (provider === "bedrock" && bare.startsWith("anthropic.")) {
    names.push(bare.slice("anthropic.".length).replace(/-v\d+:\d+$/, ""));
  }
  return names;
}
