/**
 * The counters behind budgets and rate limits. One `reserve` call checks and reserves every counter of a request
 * atomically (all or nothing); `settle` replaces a ticket's reservations with actual amounts. Reservations are
 * leases: a ticket that is neither settled nor renewed expires and frees what it held (a replica died).
 * Amounts are integers: requests, tokens, parallel slots, or nano-dollars.
 */
export interface LimitStore {
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  settle(ticket: string, items: readonly SettleItem[]): Promise<void>;
  /** Extends the leases of live tickets (a long stream outlives one lease). */
  renew(tickets: readonly { ticket: string; counters: readonly string[] }[], leaseMs: number): Promise<void>;
  /** Reservations and slots still held (tests: nothing may be left after every path). */
  outstanding(counters: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

export interface ReserveItem {
  /** Counter id, window included. */
  counter: string;
  limit: number;
  amount: number;
  /** When the counter may be forgotten (window end + margin), epoch ms; undefined: keep a day after last use. */
  expiresAt: number | undefined;
  /** Parallel slots: only reservations count, nothing is ever "used". */
  slotsOnly: boolean;
  /** The counter's value already spent in this window when it is first seen (from the ledger); undefined: 0. */
  seed?: number;
  /** True when an unseen counter must be seeded before use (long windows); the store asks for it. */
  needsSeed: boolean;
}

export interface ReserveRequest {
  ticket: string;
  now: number;
  leaseMs: number;
  items: readonly ReserveItem[];
}

export type ReserveResult =
  | { outcome: "admitted"; state: CounterState[] }
  /** `index` is the first item that did not fit. */
  | { outcome: "refused"; index: number; state: CounterState }
  /** These item indexes are new counters that need a seed; call again with `seed` set. */
  | { outcome: "needs_seed"; indexes: number[] };

export interface CounterState {
  used: number;
  reserved: number;
}

export interface SettleItem {
  counter: string;
  /** Added to `used` (0 for parallel slots). */
  actual: number;
  expiresAt: number | undefined;
}
