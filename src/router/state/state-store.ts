import type {
  Admission,
  AdmitResult,
  DeploymentState,
  FailurePolicy,
  ReleaseOutcome,
} from "./deployment-state.js";

/**
 * Where deployment state lives: in this process, or in Redis shared by every replica. Each method is one round trip
 * and the ones that decide (admit, recordFailure) are atomic, so limits hold across replicas. Implementations never
 * hang: a store that cannot answer in time answers from local state (see resilient-state-store.ts).
 */
export interface RouterStateStore {
  /** The state of these deployments now, in one read. */
  snapshot(ids: readonly string[], now: number): Promise<Map<string, DeploymentState>>;
  /** Checks rpm/tpm/parallel limits and the cooldown, and counts the request, atomically. */
  admit(id: string, admission: Admission, now: number): Promise<AdmitResult>;
  /** Ends an admitted attempt: frees its in-flight lease and records latency and token corrections. */
  release(id: string, lease: string, outcome: ReleaseOutcome, now: number): Promise<void>;
  /** Counts a failure; returns true when it started a cooldown. */
  recordFailure(id: string, policy: FailurePolicy, now: number): Promise<boolean>;
  /** A success: ends a half-open state (the probe worked). */
  recordSuccess(id: string, now: number): Promise<void>;
  close(): Promise<void>;
}
