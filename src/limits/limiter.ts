import { randomUUID } from "node:crypto";
import { GatewayError } from "../core/errors/gateway-error.js";
import type { LimitRule } from "./limit-rules.js";
import { windowBounds } from "./limit-rules.js";
import type { LimitStore, ReserveItem, SettleItem } from "./limit-store.js";
import { LocalLimitStore } from "./local-limit-store.js";

/** What to do when the shared store (Redis) fails or times out. */
export type StoreFailurePolicy =
  /** Refuse requests of keys with a dollar budget (503); others fall back to this process's own counters. */
  | "fail_closed_budgeted"
  /** Refuse every request that has any limit. */
  | "fail_closed"
  /** Fall back to this process's own counters for everything. */
  | "fail_open";

/** One request's demand, per metric. Dollars in nano-dollars. */
export interface Demand {
  requests: number;
  tokens: number;
  nanoDollars: number;
}

export type SeedSource = (rule: LimitRule, windowStart: number | undefined) => Promise<number>;

export interface LimiterOptions {
  store: LimitStore;
  /** The process-local store used as the fallback when `store` is shared and failing. */
  fallback?: LocalLimitStore;
  policy?: StoreFailurePolicy;
  leaseMs?: number;
  /** Current value of a long-window counter from the ledger, in the counter's unit. */
  seed: SeedSource;
  onStoreError?: (error: unknown) => void;
  now?: () => number;
}

/** A reservation held by one request. */
export interface LimitLease {
  /** Per rule at admission: used and reserved before this request, in counter units. */
  readonly rules: readonly {
    rule: LimitRule;
    used: number;
    reserved: number;
    amount: number;
    resetMs: number;
  }[];
  /** Replaces the reservation with actual amounts and frees the slots. Never throws. */
  release(actual: Demand): Promise<void>;
}

const NANO = 1e9;
const SEED_THRESHOLD_MS = 60_000;

function amountFor(rule: LimitRule, demand: Demand): number {
  switch (rule.metric) {
    case "requests":
      return demand.requests;
    case "tokens":
      return demand.tokens;
    case "dollars":
      return demand.nanoDollars;
    case "parallel":
      return 1;
  }
}

function describe(rule: LimitRule, value: number): string {
  return rule.metric === "dollars" ? `$${(value / NANO).toFixed(6).replace(/0{1,4}$/, "")}` : String(value);
}

/**
 * Budgets and rate limits: turns a request's rules and demand into one atomic reservation on the store, with
 * lease renewal for long requests, the store-failure policy, and caller-facing errors naming the limit.
 */
export class Limiter {
  private readonly store: LimitStore;
  private readonly fallback: LocalLimitStore;
  private readonly policy: StoreFailurePolicy;
  private readonly leaseMs: number;
  private readonly now: () => number;
  private readonly live = new Map<string, { store: LimitStore; counters: string[] }>();
  private readonly renewTimer: NodeJS.Timeout;
  /** Counters this process reserved on recently (bounded), to audit for leftovers. */
  private readonly touched = new Map<string, LimitStore>();

  constructor(private readonly options: LimiterOptions) {
    this.store = options.store;
    this.fallback =
      options.fallback ?? (options.store instanceof LocalLimitStore ? options.store : new LocalLimitStore());
    this.policy = options.policy ?? "fail_closed_budgeted";
    this.leaseMs = options.leaseMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.renewTimer = setInterval(() => void this.renew(), Math.max(1_000, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref();
  }

  /** Reserves `demand` on every rule, all or nothing; throws rate_limited / budget_exceeded / unavailable. */
  async reserve(rules: readonly LimitRule[], demand: Demand, subject: string): Promise<LimitLease> {
    if (rules.length === 0) return { rules: [], release: async () => {} };
    const now = this.now();
    const ticket = randomUUID();
    const items: ReserveItem[] = [];
    const bounds = rules.map((rule) => windowBounds(rule.window, now));
    for (const [index, rule] of rules.entries()) {
      const window = bounds[index] as { start: number; end: number | undefined };
      const long = rule.window === undefined || (window.end ?? 0) - window.start > SEED_THRESHOLD_MS;
      items.push({
        counter: `${rule.id}:${window.start}`,
        limit: rule.metric === "dollars" ? Math.floor(rule.limit * NANO) : Math.floor(rule.limit),
        amount: amountFor(rule, demand),
        expiresAt: window.end,
        slotsOnly: rule.metric === "parallel",
        needsSeed: rule.metric !== "parallel" && long,
      });
    }
    let store = this.store;
    let result: Awaited<ReturnType<LimitStore["reserve"]>>;
    try {
      result = await this.reserveSeeded(store, ticket, now, items, rules, bounds);
    } catch (error) {
      this.options.onStoreError?.(error);
      const limited = rules.some((rule) => rule.tracking !== true);
      const budgeted = rules.some((rule) => rule.metric === "dollars" && rule.tracking !== true);
      if (
        (this.policy === "fail_closed" && limited) ||
        (this.policy === "fail_closed_budgeted" && budgeted) ||
        store === this.fallback
      ) {
        throw new GatewayError(
          "unavailable",
          "Limits cannot be checked right now (the shared limit store is unreachable); try again shortly.",
          { reason: "limit_store_unavailable", retryAfterMs: 1_000 },
        );
      }
      store = this.fallback;
      result = await this.reserveSeeded(store, ticket, now, items, rules, bounds);
    }
    if (result.outcome === "refused") {
      const rule = rules[result.index] as LimitRule;
      const item = items[result.index] as ReserveItem;
      const window = bounds[result.index] as { start: number; end: number | undefined };
      const resetMs = window.end === undefined ? 0 : Math.max(0, window.end - now);
      const current =
        rule.metric === "parallel" ? result.state.reserved : result.state.used + result.state.reserved;
      const remaining = Math.max(0, item.limit - current);
      const detail = {
        metric: rule.metric,
        name: rule.name,
        limit: rule.limit,
        remaining: rule.metric === "dollars" ? remaining / NANO : remaining,
        resetMs,
      };
      if (rule.metric === "dollars") {
        throw new GatewayError(
          "budget_exceeded",
          `Budget exceeded: ${rule.name} is ${describe(rule, item.limit)}; spent ${describe(rule, result.state.used)}, ` +
            `held by requests in flight ${describe(rule, result.state.reserved)}, this request may cost up to ${describe(rule, item.amount)} (${subject}).`,
          { reason: "budget_exceeded", limit: detail, ...(resetMs > 0 ? { retryAfterMs: resetMs } : {}) },
        );
      }
      throw new GatewayError(
        "rate_limited",
        `Rate limit reached: ${rule.name} is ${rule.limit}${rule.window ? ` per ${rule.window.label}` : " at once"}; ` +
          `this request needs ${item.amount}, ${remaining} left (${subject}).`,
        { reason: `${rule.metric}_limit`, limit: detail, retryAfterMs: resetMs > 0 ? resetMs : 1_000 },
      );
    }
    if (result.outcome !== "admitted")
      throw new GatewayError("internal", "Limit store did not answer the seed request.");
    const counters = items.map((item) => item.counter);
    const held = { store, counters };
    for (const counter of counters) {
      if (this.touched.size >= 10_000) this.touched.clear();
      this.touched.set(counter, store);
    }
    this.live.set(ticket, held);
    const state = result.state;
    let released = false;
    return {
      rules: rules.map((rule, index) => {
        const window = bounds[index] as { start: number; end: number | undefined };
        return {
          rule,
          used: state[index]?.used ?? 0,
          reserved: state[index]?.reserved ?? 0,
          amount: (items[index] as ReserveItem).amount,
          resetMs: window.end === undefined ? 0 : Math.max(0, window.end - now),
        };
      }),
      release: async (actual) => {
        if (released) return;
        released = true;
        this.live.delete(ticket);
        const settle: SettleItem[] = rules.map((rule, index) => ({
          counter: counters[index] as string,
          actual: rule.metric === "parallel" ? 0 : amountFor(rule, actual),
          expiresAt: (items[index] as ReserveItem).expiresAt,
        }));
        try {
          await held.store.settle(ticket, settle);
        } catch (error) {
          // The lease expires by itself; the ledger still has the row.
          this.options.onStoreError?.(error);
        }
      },
    };
  }

  /** Reservations still held by this process (tests, shutdown). */
  inFlight(): number {
    return this.live.size;
  }

  /** Reservations and slots still held in the stores on counters this process used (0 when all settled). */
  async outstanding(): Promise<number> {
    let total = 0;
    for (const [counter, store] of this.touched) total += await store.outstanding([counter]);
    return total;
  }

  async close(): Promise<void> {
    clearInterval(this.renewTimer);
  }

  private async reserveSeeded(
    store: LimitStore,
    ticket: string,
    now: number,
    items: ReserveItem[],
    rules: readonly LimitRule[],
    bounds: readonly { start: number; end: number | undefined }[],
  ) {
    let result = await store.reserve({ ticket, now, leaseMs: this.leaseMs, items });
    for (let round = 0; result.outcome === "needs_seed" && round < 2; round++) {
      await Promise.all(
        result.indexes.map(async (index) => {
          const rule = rules[index] as LimitRule;
          const window = bounds[index] as { start: number; end: number | undefined };
          const value = await this.options.seed(rule, rule.window === undefined ? undefined : window.start);
          (items[index] as ReserveItem).seed = rule.metric === "dollars" ? Math.round(value * NANO) : value;
        }),
      );
      result = await store.reserve({ ticket, now, leaseMs: this.leaseMs, items });
    }
    return result;
  }

  private async renew(): Promise<void> {
    const byStore = new Map<LimitStore, { ticket: string; counters: string[] }[]>();
    for (const [ticket, held] of this.live) {
      const list = byStore.get(held.store) ?? [];
      list.push({ ticket, counters: held.counters });
      byStore.set(held.store, list);
    }
    for (const [store, tickets] of byStore) {
      await store.renew(tickets, this.leaseMs).catch((error: unknown) => this.options.onStoreError?.(error));
    }
  }
}
