import type {
  Admission,
  AdmitResult,
  DeploymentState,
  FailurePolicy,
  ReleaseOutcome,
} from "./deployment-state.js";
import { MemoryStateStore } from "./memory-state-store.js";
import type { RouterStateStore } from "./state-store.js";

export interface ResilientStateStoreOptions {
  /** How long to route on local state after Redis failed, before trying it again, ms. Default 1000. */
  retryAfterMs?: number;
  /** Told once each time the store falls back to local state, and once when it is back. Never gets secrets. */
  onStateChange?: (event: { shared: boolean; reason: string }) => void;
}

/**
 * The outage policy for shared router state: Redis first, this process's own state when Redis errs or is slow
 * (every call is bounded by the Redis client's command timeout). After a failure it stops asking Redis for
 * `retryAfterMs`, so an outage costs at most one timed-out call per request, not one per routing step. Local
 * state is kept warm all the time (every admission, failure and latency sample is mirrored), so falling back
 * changes limits from shared to per-replica, never to none.
 */
export class ResilientStateStore implements RouterStateStore {
  readonly local = new MemoryStateStore();
  private downUntil = 0;
  private down = false;
  private readonly retryAfterMs: number;

  constructor(
    private readonly shared: RouterStateStore,
    private readonly options: ResilientStateStoreOptions = {},
  ) {
    this.retryAfterMs = options.retryAfterMs ?? 1_000;
  }

  /** True while routing runs on local state. */
  get degraded(): boolean {
    return this.down;
  }

  private async attempt<T>(operation: () => Promise<T>): Promise<T | undefined> {
    if (this.down && Date.now() < this.downUntil) return undefined;
    try {
      const result = await operation();
      if (this.down) {
        this.down = false;
        this.options.onStateChange?.({ shared: true, reason: "redis answered again" });
      }
      return result;
    } catch (error) {
      this.downUntil = Date.now() + this.retryAfterMs;
      if (!this.down) {
        this.down = true;
        const reason = error instanceof Error ? error.message.slice(0, 200) : "redis error";
        this.options.onStateChange?.({ shared: false, reason });
      }
      return undefined;
    }
  }

  async snapshot(ids: readonly string[], now: number): Promise<Map<string, DeploymentState>> {
    return (await this.attempt(() => this.shared.snapshot(ids, now))) ?? this.local.snapshot(ids, now);
  }

  async admit(id: string, admission: Admission, now: number): Promise<AdmitResult> {
    const result = await this.attempt(() => this.shared.admit(id, admission, now));
    if (result === undefined) return this.local.admit(id, admission, now);
    if (result.admitted) this.local.track(id, result.lease, admission, now);
    return result;
  }

  async release(id: string, lease: string, outcome: ReleaseOutcome, now: number): Promise<void> {
    await this.local.release(id, lease, outcome, now);
    // A lease the local store issued is unknown to Redis: harmless (ZREM of a missing member).
    await this.attempt(() => this.shared.release(id, lease, outcome, now));
  }

  async recordFailure(id: string, policy: FailurePolicy, now: number): Promise<boolean> {
    const local = await this.local.recordFailure(id, policy, now);
    const shared = await this.attempt(() => this.shared.recordFailure(id, policy, now));
    return shared ?? local;
  }

  async recordSuccess(id: string, now: number): Promise<void> {
    await this.local.recordSuccess(id, now);
    await this.attempt(() => this.shared.recordSuccess(id, now));
  }

  async close(): Promise<void> {
    await this.shared.close();
  }
}
