/**
 * A retry budget (Finagle's RetryBudget, gRPC's retry throttling): retries may add at most `ratio` of the
 * requests seen in the last `windowMs`, plus `minPerSecond` so that a quiet gateway can still retry. When an
 * upstream is down for everyone, retries stop multiplying the load on it: a storm becomes at most
 * (1 + ratio) × traffic. Kept per process, so the bound holds per replica and therefore for the fleet.
 */
export interface RetryBudgetOptions {
  /** Share of requests that may be retried. Default 0.2. */
  ratio: number;
  /** Retries always allowed per second, whatever the traffic. Default 5. */
  minPerSecond: number;
  /** Window, ms. Default 10 000. */
  windowMs?: number;
}

const SLOTS = 10;

export class RetryBudget {
  private readonly requests = new Array<number>(SLOTS).fill(0);
  private readonly retries = new Array<number>(SLOTS).fill(0);
  private readonly slotMs: number;
  private currentSlot = 0;
  private currentStart = 0;

  constructor(
    private readonly options: RetryBudgetOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.slotMs = (options.windowMs ?? 10_000) / SLOTS;
  }

  private advance(): void {
    const now = this.now();
    const slot = Math.floor(now / this.slotMs);
    if (slot === this.currentStart) return;
    const steps = Math.min(SLOTS, slot - this.currentStart);
    for (let step = 1; step <= steps; step++) {
      const index = (this.currentSlot + step) % SLOTS;
      this.requests[index] = 0;
      this.retries[index] = 0;
    }
    this.currentSlot = (this.currentSlot + Math.max(0, steps)) % SLOTS;
    this.currentStart = slot;
  }

  /** Counts one request (call once per request, not per attempt). */
  recordRequest(): void {
    this.advance();
    this.requests[this.currentSlot] = (this.requests[this.currentSlot] ?? 0) + 1;
  }

  /** Takes one retry from the budget; false when the budget is spent (then do not retry). */
  tryRetry(): boolean {
    this.advance();
    const requests = this.requests.reduce((sum, count) => sum + count, 0);
    const retries = this.retries.reduce((sum, count) => sum + count, 0);
    const windowSeconds = (this.slotMs * SLOTS) / 1000;
    const allowed = this.options.ratio * requests + this.options.minPerSecond * windowSeconds;
    if (retries >= allowed) return false;
    this.retries[this.currentSlot] = (this.retries[this.currentSlot] ?? 0) + 1;
    return true;
  }
}
