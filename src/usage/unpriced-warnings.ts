import { LRUCache } from "lru-cache";
import type { Logger } from "../logging/logger.js";

export interface UnpricedWarningsOptions {
  logger?: Logger | undefined;
  /** A model is warned about again after this long, ms. Default one hour. */
  intervalMs?: number;
  /** How many warned models are remembered (LRU): bounds memory whatever names callers send. Default 1,000. */
  maxTracked?: number;
  /** Individual warning lines per interval; beyond it one line says warnings are suppressed. Default 20. */
  maxLinesPerInterval?: number;
  now?: () => number;
}

/**
 * "Model X is unpriced" warnings, bounded: once per model per interval, at most `maxLinesPerInterval` lines per
 * interval (then one "suppressed" line, and a count of what was left out when the interval ends), and a bounded
 * memory of who was warned. A wildcard deployment lets callers name any model, so 5,000 distinct unpriced names
 * must cost a handful of log lines and a fixed amount of memory, not 5,000 lines and an unbounded set.
 */
export class UnpricedWarnings {
  private readonly warned: LRUCache<string, true>;
  private readonly intervalMs: number;
  private readonly maxLines: number;
  private readonly now: () => number;
  private intervalStart: number;
  private lines = 0;
  private suppressed = 0;

  constructor(private readonly options: UnpricedWarningsOptions = {}) {
    this.intervalMs = options.intervalMs ?? 3_600_000;
    this.maxLines = options.maxLinesPerInterval ?? 20;
    this.now = options.now ?? Date.now;
    this.warned = new LRUCache<string, true>({
      max: options.maxTracked ?? 1_000,
      ttl: this.intervalMs,
      ttlAutopurge: false,
      ttlResolution: 0,
      perf: { now: () => this.now() },
    });
    this.intervalStart = this.now();
  }

  /** Records that a provider model is unpriced; logs when this model was not warned about in this interval. */
  warn(provider: string, model: string): void {
    this.roll();
    const name = `${provider}/${model}`;
    if (this.warned.has(name)) return;
    this.warned.set(name, true);
    const logger = this.options.logger;
    if (this.lines < this.maxLines) {
      this.lines += 1;
      logger?.warn(
        { provider, model },
        "model is unpriced: its cost is reported as unknown (null), not zero; set model_info prices or load a price file",
      );
      return;
    }
    if (this.suppressed === 0) {
      logger?.warn(
        { unpriced_warnings_per_interval: this.maxLines, interval_ms: this.intervalMs },
        "more unpriced models: further warnings are suppressed until the interval ends",
      );
    }
    this.suppressed += 1;
  }

  /** How many model names are remembered now (never more than `maxTracked`). */
  get tracked(): number {
    return this.warned.size;
  }

  private roll(): void {
    const now = this.now();
    if (now - this.intervalStart < this.intervalMs) return;
    if (this.suppressed > 0) {
      this.options.logger?.warn(
        { unpriced_models_not_listed: this.suppressed },
        "unpriced models not warned about individually in the last interval",
      );
    }
    this.intervalStart = now;
    this.lines = 0;
    this.suppressed = 0;
  }
}
