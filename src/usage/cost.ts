import type { Usage } from "../core/types/chat.js";
import type { ModelPrice } from "./model-price.js";

/** The cost of one attempt, or the fact that it could not be priced. */
export interface CostResult {
  /** US dollars; undefined when the model is unpriced (never reported as zero). */
  costUsd: number | undefined;
  priced: boolean;
}

/**
 * Cost from provider-reported usage. Cached reads and cache writes are part of `promptTokens` and priced at
 * their own rates; reasoning tokens are part of `completionTokens` and priced apart only where the price says
 * so. A tier applies to the whole request when the prompt is above its threshold (how Gemini and Claude's 1M
 * context bill).
 */
export function costOf(usage: Usage, price: ModelPrice | undefined): CostResult {
  if (price === undefined) return { costUsd: undefined, priced: false };
  let input = price.inputPerToken;
  let output = price.outputPerToken;
  let cacheRead = price.cacheReadPerToken;
  let cacheWrite = price.cacheWritePerToken;
  for (const tier of price.tiers ?? []) {
    if (usage.promptTokens <= tier.aboveTokens) break;
    input = tier.inputPerToken ?? input;
    output = tier.outputPerToken ?? output;
    cacheRead = tier.cacheReadPerToken ?? cacheRead;
    cacheWrite = tier.cacheWritePerToken ?? cacheWrite;
  }
  const cached = Math.min(usage.cachedPromptTokens ?? 0, usage.promptTokens);
  const written = Math.min(usage.cacheWriteTokens ?? 0, usage.promptTokens - cached);
  const plainPrompt = usage.promptTokens - cached - written;
  const reasoning =
    price.reasoningPerToken === undefined ? 0 : Math.min(usage.reasoningTokens ?? 0, usage.completionTokens);
  const plainCompletion = usage.completionTokens - reasoning;
  const cost =
    plainPrompt * input +
    cached * (cacheRead ?? input) +
    written * (cacheWrite ?? input) +
    plainCompletion * output +
    reasoning * (price.reasoningPerToken ?? output) +
    (price.perRequest ?? 0);
  // Rounded to a tenth of a nano-dollar: sums of many rows stay exact enough and JSON stays short.
  return { costUsd: Math.round(cost * 1e10) / 1e10, priced: true };
}
