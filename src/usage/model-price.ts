/**
 * A model's prices in US dollars per token (or per request), as the cost computation needs them. Field names
 * follow LiteLLM's price file where it has them, so that a LiteLLM price file and `model_info` overrides map
 * one to one.
 */
export interface ModelPrice {
  inputPerToken: number;
  outputPerToken: number;
  /** Prompt tokens read from the provider's cache; defaults to the input price when the provider has none. */
  cacheReadPerToken?: number;
  /** Prompt tokens written to the provider's cache; defaults to the input price. */
  cacheWritePerToken?: number;
  /** Reasoning tokens, where priced apart from output; defaults to the output price. */
  reasoningPerToken?: number;
  /** A fixed price per request on top of the tokens. */
  perRequest?: number;
  /** Prices that replace the base ones when the prompt is larger than `aboveTokens` (Gemini, Claude 1M). */
  tiers?: PriceTier[];
  maxInputTokens?: number;
  maxOutputTokens?: number;
  /** Where the price came from, for the ledger and the check report. */
  source: "table" | "price_file" | "model_info";
}

export interface PriceTier {
  aboveTokens: number;
  inputPerToken?: number;
  outputPerToken?: number;
  cacheReadPerToken?: number;
  cacheWritePerToken?: number;
}

const TIER_KEY =
  /^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost)_above_(\d+)k_tokens$/;

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Reads one LiteLLM-format entry (`input_cost_per_token`, `output_cost_per_token`, `cache_read_input_token_cost`,
 * `cache_creation_input_token_cost`, `output_cost_per_reasoning_token`, `input_cost_per_request`,
 * `*_above_<N>k_tokens`, `max_input_tokens`, `max_output_tokens`). Returns undefined when it has no token price.
 */
export function priceFromLiteLLM(
  entry: Record<string, unknown>,
  source: ModelPrice["source"],
): ModelPrice | undefined {
  const input = num(entry["input_cost_per_token"]);
  const output = num(entry["output_cost_per_token"]);
  if (input === undefined && output === undefined) return undefined;
  const price: ModelPrice = { inputPerToken: input ?? 0, outputPerToken: output ?? 0, source };
  const set = <K extends keyof ModelPrice>(field: K, value: ModelPrice[K] | undefined) => {
    if (value !== undefined) price[field] = value;
  };
  set("cacheReadPerToken", num(entry["cache_read_input_token_cost"]));
  set("cacheWritePerToken", num(entry["cache_creation_input_token_cost"]));
  set("reasoningPerToken", num(entry["output_cost_per_reasoning_token"]));
  set("perRequest", num(entry["input_cost_per_request"]) ?? num(entry["cost_per_request"]));
  set("maxInputTokens", num(entry["max_input_tokens"]));
  set("maxOutputTokens", num(entry["max_output_tokens"]) ?? num(entry["max_tokens"]));
  const tiers = new Map<number, PriceTier>();
  for (const [key, value] of Object.entries(entry)) {
    const match = TIER_KEY.exec(key);
    const amount = num(value);
    if (match === null || amount === undefined) continue;
    const above = Number(match[2]) * 1000;
    let tier = tiers.get(above);
    if (tier === undefined) {
      tier = { aboveTokens: above };
      tiers.set(above, tier);
    }
    if (match[1] === "input_cost_per_token") tier.inputPerToken = amount;
    else if (match[1] === "output_cost_per_token") tier.outputPerToken = amount;
    else if (match[1] === "cache_read_input_token_cost") tier.cacheReadPerToken = amount;
    else tier.cacheWritePerToken = amount;
  }
  if (tiers.size > 0) price.tiers = [...tiers.values()].sort((a, b) => a.aboveTokens - b.aboveTokens);
  return price;
}
