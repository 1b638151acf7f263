/**
 * Delivery off the request path: `push` is synchronous and O(1) and never throws; a timer sends batches in the
 * background; a failed batch goes back to the head of the queue and is retried with exponential backoff and jitter
 * until it is delivered or pushed out. The queue is bounded: when full, the oldest entry is dropped and counted.
 * A receiver that rejects a batch as malformed (a 4xx other than 408/429) is not retried: the batch is dropped and
 * counted, so one bad payload cannot block the queue forever.
 */
export interface DeliveryQueueOptions {
  /** Entries held at most (default 10 000). */
  maxQueue?: number;
  /** Entries per send (default 100). */
  batchSize?: number;
  /** How often a partial batch is sent (default 1 000 ms). */
  flushIntervalMs?: number;
  /** First retry delay; doubles per failure up to `maxBackoffMs` (defaults 500 ms and 30 s). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Told of each counted event (metrics). */
  onDelivered?: (count: number) => void;
  onDropped?: (count: number, reason: "queue_full" | "rejected") => void;
  onFailure?: (error: unknown) => void;
}

/** A send that failed: `retry: false` drops the batch (the receiver said it will never take it). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

export type SendBatch<T> = (batch: readonly T[], signal: AbortSignal) => Promise<void>;

export class DeliveryQueue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private readonly maxQueue: number;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  private readonly abort = new AbortController();
  /** Counts for tests and the docs' figures. */
  readonly stats = { delivered: 0, dropped: 0, rejected: 0, failedSends: 0 };

  constructor(
    private readonly send: SendBatch<T>,
    private readonly options: DeliveryQueueOptions = {},
  ) {
    this.maxQueue = Math.max(1, options.maxQueue ?? 10_000);
    this.batchSize = Math.max(1, options.batchSize ?? 100);
    this.flushIntervalMs = options.flushIntervalMs ?? 1_000;
    this.baseBackoffMs = options.baseBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  /** Entries waiting (not counting a batch being sent). */
  get depth(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.closed) {
      this.countDropped(1, "queue_full");
      return;
    }
    this.items.push(item);
    if (this.depth > this.maxQueue) {
      this.head += 1;
      this.countDropped(1, "queue_full");
    }
    this.compact();
    if (this.depth >= this.batchSize && this.failures === 0 && this.sending === undefined) this.schedule(0);
    else if (this.timer === undefined && this.sending === undefined) this.schedule(this.flushIntervalMs);
  }

  /**
   * Sends everything queued, retrying failures with backoff, until the queue is empty or `timeoutMs` passes;
   * then stops the timer (SIGTERM). Entries that could not be sent in time are counted as dropped.
   */
  async close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.clearTimer();
    while (Date.now() < deadline) {
      if (this.sending !== undefined) await this.sending;
      if (this.depth === 0) break;
      this.clearTimer();
      const wait = this.failures === 0 ? 0 : Math.min(this.backoff(), Math.max(0, deadline - Date.now()));
      // A ref'd timer: during shutdown this flush may be all that keeps the process alive.
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (Date.now() >= deadline) break;
      await this.sendOne(deadline);
    }
    this.closed = true;
    this.clearTimer();
    this.abort.abort();
    const left = this.depth;
    if (left > 0) {
      this.head = this.items.length;
      this.compact();
      this.countDropped(left, "queue_full");
    }
  }

  private schedule(delayMs: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sendOne();
    }, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private sendOne(deadline?: number): Promise<void> {
    if (this.sending !== undefined) return this.sending;
    if (this.depth === 0) return Promise.resolve();
    const batch = this.items.slice(this.head, this.head + this.batchSize);
    this.head += batch.length;
    this.compact();
    const timeout = Math.max(1, Math.min(10_000, deadline === undefined ? 10_000 : deadline - Date.now()));
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeout)]);
    const sending = (async () => {
      try {
        await this.send(batch, signal);
        this.failures = 0;
        this.stats.delivered += batch.length;
        this.options.onDelivered?.(batch.length);
      } catch (error) {
        this.stats.failedSends += 1;
        this.options.onFailure?.(error);
        if (error instanceof DeliveryError && !error.retry) {
          this.stats.rejected += batch.length;
          this.countDropped(batch.length, "rejected");
        } else {
          this.failures += 1;
          this.requeue(batch);
        }
      }
    })();
    this.sending = sending.finally(() => {
      this.sending = undefined;
      if (this.closed || deadline !== undefined || this.depth === 0) return;
      if (this.failures > 0) this.schedule(this.backoff());
      else this.schedule(this.depth >= this.batchSize ? 0 : this.flushIntervalMs);
    });
    return this.sending;
  }

  /** A failed batch goes back in front; what no longer fits under the bound is dropped, oldest first. */
  private requeue(batch: readonly T[]): void {
    const waiting = this.items.slice(this.head);
    const all = [...batch, ...waiting];
    const excess = Math.max(0, all.length - this.maxQueue);
    this.items.length = 0;
    this.head = 0;
    for (let index = excess; index < all.length; index++) this.items.push(all[index] as T);
    if (excess > 0) this.countDropped(excess, "queue_full");
  }

  private backoff(): number {
    const exponent = Math.min(this.failures - 1, 16);
    const ceiling = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** exponent);
    // Full jitter on the upper half: spreads the retries of several replicas without ever retrying at once.
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  private countDropped(count: number, reason: "queue_full" | "rejected"): void {
    if (reason === "queue_full") this.stats.dropped += count;
    this.options.onDropped?.(count, reason);
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** Whether an HTTP status means "try again later" (5xx, 408, 429) rather than "never". */
export function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}
