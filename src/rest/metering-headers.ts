import type { MeterReceipt, MeterSnapshot } from "../core/chat/metering.js";

/** OpenAI's reset format ("1s", "6m0s"): callers' SDKs already parse it. */
export function resetText(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

/** `x-ratelimit-*` headers for one limit (requests, tokens, dollars, parallel). */
export function rateLimitHeaders(limit: {
  name: string;
  limit: number;
  remaining: number;
  resetMs: number;
}): Record<string, string> {
  const metric = limit.name === "requests" || limit.name === "tokens" ? limit.name : limit.name;
  return {
    [`x-ratelimit-limit-${metric}`]: String(limit.limit),
    [`x-ratelimit-remaining-${metric}`]: String(Math.max(0, Math.floor(limit.remaining * 1e6) / 1e6)),
    [`x-ratelimit-reset-${metric}`]: resetText(limit.resetMs),
  };
}

/**
 * Cost, spend and budget headers: ours (`x-switchboard-*`) and LiteLLM's names where it has one, so that
 * existing dashboards and SDK hooks keep working. An unpriced model gets no cost header but a status saying so.
 */
export function meteringHeaders(metering: MeterSnapshot | MeterReceipt | undefined): Record<string, string> {
  if (metering === undefined) return {};
  const headers: Record<string, string> = {};
  if ("priced" in metering) {
    if (metering.costUsd !== undefined) {
      headers["x-litellm-response-cost"] = String(metering.costUsd);
      headers["x-switchboard-cost-usd"] = String(metering.costUsd);
    } else headers["x-switchboard-cost-status"] = "unpriced";
    if (metering.usageEstimated) headers["x-switchboard-usage-estimated"] = "true";
  }
  if (metering.keySpendUsd !== undefined) {
    const spend = String(Math.round(metering.keySpendUsd * 1e10) / 1e10);
    headers["x-litellm-key-spend"] = spend;
    headers["x-switchboard-key-spend-usd"] = spend;
  }
  if (metering.budgetRemainingUsd !== undefined) {
    headers["x-switchboard-budget-remaining-usd"] = String(
      Math.round(metering.budgetRemainingUsd * 1e10) / 1e10,
    );
  }
  if (metering.maxTokensCapped !== undefined)
    headers["x-switchboard-max-tokens-capped"] = String(metering.maxTokensCapped);
  if (metering.rateLimit !== undefined) Object.assign(headers, rateLimitHeaders(metering.rateLimit));
  return headers;
}
