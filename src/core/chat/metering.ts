import type { GatewayError } from "../errors/gateway-error.js";
import type { ChatRequest, Usage } from "../types/chat.js";
import type { Attempt, RoutingInfo } from "../types/routing.js";
import type { ChatContext } from "./dispatcher.js";

/**
 * The metering port: how the core asks "may this request start?" and tells "this is what it used". Usage
 * (pricing, the ledger) and limits (budgets, rate limits) implement it outside the core and are injected by
 * app.ts. The core guarantees the protocol: `admit` before any upstream call, and exactly one `settle` per
 * admitted request on every exit path (success, upstream error, client abort, timeout, shutdown), in `finally`.
 */
export interface Metering {
  /**
   * Reserves, in one atomic step, everything the request may consume at worst (budget dollars, tpm tokens, an
   * rpm and a parallel slot). Throws a GatewayError of kind `rate_limited` or `budget_exceeded` when any limit
   * would be exceeded; then nothing stays reserved.
   */
  admit(request: ChatRequest, context: ChatContext): Promise<MeterTicket>;
}

/** One admitted request's reservation, a lease that expires by itself if the process dies. */
export interface MeterTicket {
  /** What the caller may see at the start (stream headers): spend so far and budget left, at admission. */
  readonly admission: MeterSnapshot;
  /** Prices usage without settling (the final stream usage event carries the cost before the stream ends). */
  price(usage: Usage, routing: RoutingInfo | undefined): { costUsd: number | undefined; priced: boolean };
  /**
   * Records one ledger row per attempt that reached a provider, replaces the reservation with the actual
   * amounts and releases every slot. Idempotent (a second call returns the first receipt); never throws.
   */
  settle(outcome: MeterOutcome): Promise<MeterReceipt>;
}

export interface MeterOutcome {
  /** Attempts as the router reported them (one ledger row each); the last one produced `usage`. */
  attempts: readonly Attempt[];
  routing: RoutingInfo | undefined;
  /** Usage the provider reported; for a stream cut early, what it reported so far (possibly nothing). */
  usage: Usage | undefined;
  /** A stream that ended before the provider finished (client left, upstream error, timeout). */
  cutShort: boolean;
  /** Text generated so far (streams), for a token estimate when the provider reported nothing. */
  generatedText?: string;
  error?: GatewayError;
  stream: boolean;
  /** performance.now() marks. */
  startedAt: number;
  firstTokenAt?: number;
}

export interface MeterSnapshot {
  /** The key's spend in its current budget window, US dollars. */
  keySpendUsd?: number;
  /** Budget left in the tightest budget window that applies, US dollars. */
  budgetRemainingUsd?: number;
  /** The tightest rate limit that applies, for `x-ratelimit-*` headers. */
  rateLimit?: { name: string; limit: number; remaining: number; resetMs: number };
  /** The request set no max_tokens and its budget could not pay the model's whole output: capped to this. */
  maxTokensCapped?: number;
}

export interface MeterReceipt extends MeterSnapshot {
  costUsd: number | undefined;
  priced: boolean;
  /** True when tokens were estimated with a tokenizer because the provider reported none. */
  usageEstimated: boolean;
  /** The usage billed (the provider's, or the estimate). */
  usage: Usage | undefined;
}

/** A Metering that admits everything and records nothing (no usage module configured). */
export const NO_METERING: Metering = {
  async admit() {
    return {
      admission: {},
      price: () => ({ costUsd: undefined, priced: false }),
      settle: async (outcome) => ({
        costUsd: undefined,
        priced: false,
        usageEstimated: false,
        usage: outcome.usage,
      }),
    };
  },
};
