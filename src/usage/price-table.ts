import { readFileSync } from "node:fs";
import type { Deployment } from "../core/types/deployment.js";
import { type ModelPrice, priceFromLiteLLM } from "./model-price.js";
import shipped from "./prices/model-prices.json" with { type: "json" };

/** Providers whose models are billed under another provider's names in price files. */
const PRICE_FAMILY: Record<string, string[]> = {
  vertex_ai: ["gemini"],
  azure: ["openai"],
  azure_ai: ["openai"],
  openai: [],
  // Bedrock Claude is the same model as Anthropic's (Bedrock's own ids are tried first).
  bedrock: ["anthropic"],
};

const DATE_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8})(-v\d+:\d+)?$/;
const BEDROCK_REGION = /^(us|eu|apac|global|us-gov|ca|jp|au)\./;

/**
 * Model prices: the table shipped with the project, optionally a LiteLLM-format price file that users keep
 * (entries there win), and per-deployment `model_info` overrides (which win over both). Lookups try the
 * provider-qualified name, the bare name, the name without a date suffix (`gpt-4.1-nano-2025-04-14` →
 * `gpt-4.1-nano`), Bedrock ids without their region prefix, and `model_info.base_model`.
 */
export class PriceTable {
  private readonly entries = new Map<string, { provider: string | undefined; price: ModelPrice }>();
  private readonly byDeployment = new Map<string, ModelPrice | undefined>();

  constructor(files: readonly Record<string, unknown>[] = []) {
    this.load(shipped as Record<string, unknown>, "table");
    for (const file of files) this.load(file, "price_file");
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

  private load(file: Record<string, unknown>, source: ModelPrice["source"]): void {
    for (const [name, entry] of Object.entries(file)) {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) continue;
      const record = entry as Record<string, unknown>;
      const mode = record["mode"];
      if (
        typeof mode === "string" &&
        mode !== "chat" &&
        mode !== "responses" &&
        mode !== "completion" &&
        mode !== "embedding"
      )
        continue;
      const price = priceFromLiteLLM(record, source);
      if (price === undefined) continue;
      const provider =
        typeof record["litellm_provider"] === "string" ? record["litellm_provider"] : undefined;
      this.entries.set(name, { provider, price });
    }
  }

  /** The price of a provider model by name, or undefined when nothing matches (the model is unpriced). */
  lookup(provider: string, model: string): ModelPrice | undefined {
    const names = candidateNames(model, provider);
    const providers = [provider, ...(PRICE_FAMILY[provider] ?? [])];
    for (const name of names) {
      for (const family of providers) {
        const qualified = this.entries.get(`${family}/${name}`);
        if (qualified !== undefined) return qualified.price;
      }
      const bare = this.entries.get(name);
      // A bare name matches when its provider is ours or a family we bill like (OpenAI and Anthropic names are bare).
      if (
        bare !== undefined &&
        (bare.provider === undefined || providers.some((p) => bare.provider?.startsWith(p)))
      )
        return bare.price;
    }
    return this.entries.get(`${provider}/*`)?.price;
  }

  /** The price for a deployment: `model_info` prices over the file/table price of its (base) model. */
  forDeployment(deployment: Deployment): ModelPrice | undefined {
    const cached = this.byDeployment.get(deploymentCacheKey(deployment));
    if (cached !== undefined || this.byDeployment.has(deploymentCacheKey(deployment))) return cached;
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
    this.byDeployment.set(deploymentCacheKey(deployment), price);
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
