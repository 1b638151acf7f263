import type { CounterState, LimitStore, ReserveRequest, ReserveResult, SettleItem } from "./limit-store.js";

interface Counter {
  used: number;
  reserved: number;
  leases: Map<string, { amount: number; expiresAt: number }>;
  expiresAt: number | undefined;
}

const DAY_MS = 86_400_000;

/**
 * Counters in this process. Atomic because JavaScript runs one call at a time: `reserve` checks and reserves
 * without awaiting. Used without Redis (one replica: exact; several replicas: each enforces the limits on its
 * own, which the start-up log says), and as the fallback when Redis is down and the policy allows it.
 */
export class LocalLimitStore implements LimitStore {
  private readonly counters = new Map<string, Counter>();
  private sweeps = 0;

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    return this.reserveNow(request);
  }

  /** Synchronous core of `reserve` (also what the latency benchmark measures). */
  reserveNow(request: ReserveRequest): ReserveResult {
    const { now } = request;
    if (++this.sweeps % 1024 === 0) this.sweep(now);
    const missing: number[] = [];
    request.items.forEach((item, index) => {
      if (item.needsSeed && item.seed === undefined && !this.counters.has(item.counter)) missing.push(index);
    });
    if (missing.length > 0) return { outcome: "needs_seed", indexes: missing };
    const states: CounterState[] = [];
    for (const [index, item] of request.items.entries()) {
      const counter = this.counter(item.counter, item.seed ?? 0, item.expiresAt, now);
      this.purge(counter, now);
      const state = { used: counter.used, reserved: counter.reserved };
      const base = item.slotsOnly ? counter.reserved : counter.used + counter.reserved;
      if (base + item.amount > item.limit) return { outcome: "refused", index, state };
      states.push(state);
    }
    const expiresAt = now + request.leaseMs;
    for (const item of request.items) {
      const counter = this.counters.get(item.counter) as Counter;
      const previous = counter.leases.get(request.ticket);
      counter.leases.set(request.ticket, { amount: (previous?.amount ?? 0) + item.amount, expiresAt });
      counter.reserved += item.amount;
    }
    return { outcome: "admitted", state: states };
  }

  async settle(ticket: string, items: readonly SettleItem[]): Promise<void> {
    for (const item of items) {
      const counter = this.counters.get(item.counter);
      if (counter === undefined) continue;
      const lease = counter.leases.get(ticket);
      if (lease !== undefined) {
        counter.leases.delete(ticket);
        counter.reserved -= lease.amount;
      }
      counter.used += item.actual;
    }
  }

  async renew(
    tickets: readonly { ticket: string; counters: readonly string[] }[],
    leaseMs: number,
  ): Promise<void> {
    const expiresAt = Date.now() + leaseMs;
    for (const { ticket, counters } of tickets) {
      for (const id of counters) {
        const lease = this.counters.get(id)?.leases.get(ticket);
        if (lease !== undefined) lease.expiresAt = expiresAt;
      }
    }
  }

  async outstanding(counters: readonly string[]): Promise<number> {
    const now = Date.now();
    let total = 0;
    for (const id of counters) {
      const counter = this.counters.get(id);
      if (counter === undefined) continue;
      this.purge(counter, now);
      total += counter.leases.size;
    }
    return total;
  }

  async close(): Promise<void> {
    this.counters.clear();
  }

  private counter(id: string, seed: number, expiresAt: number | undefined, now: number): Counter {
    let counter = this.counters.get(id);
    if (counter === undefined) {
      counter = { used: seed, reserved: 0, leases: new Map(), expiresAt };
      this.counters.set(id, counter);
    }
    counter.expiresAt = expiresAt ?? now + DAY_MS;
    return counter;
  }

  private purge(counter: Counter, now: number): void {
    if (counter.leases.size === 0) return;
    for (const [ticket, lease] of counter.leases) {
      if (lease.expiresAt > now) continue;
      counter.leases.delete(ticket);
      counter.reserved -= lease.amount;
    }
  }

  private sweep(now: number): void {
    for (const [id, counter] of this.counters) {
      if (counter.expiresAt !== undefined && counter.expiresAt < now && counter.leases.size === 0) {
        this.counters.delete(id);
      }
    }
  }
}
