/**
 * What the router knows about one deployment at one moment, shared by every replica when Redis is configured.
 * Strategies and eligibility are pure functions over these snapshots, so they can be tested as tables.
 */
export interface DeploymentState {
  /** Attempts running now on this deployment (all replicas). */
  inFlight: number;
  /** Requests admitted in the current minute. */
  rpmUsed: number;
  /** Tokens counted in the current minute (estimates at admission, corrected by reported usage). */
  tpmUsed: number;
  /** Moving average of a whole unary attempt, ms; undefined until sampled. */
  latencyMs: number | undefined;
  /** Moving average of the time to the first streamed event, ms; undefined until sampled. */
  ttftMs: number | undefined;
  /**
   * `healthy`; `cooling` until `coolingUntil`; `half-open` once a cooldown has ended and before a probe succeeded
   * (one request at a time may try it).
   */
  health: "healthy" | "cooling" | "half-open";
  /** Epoch ms when the cooldown ends (only when cooling). */
  coolingUntil?: number;
}

export const FRESH_STATE: DeploymentState = {
  inFlight: 0,
  rpmUsed: 0,
  tpmUsed: 0,
  latencyMs: undefined,
  ttftMs: undefined,
  health: "healthy",
};

/** The limits admission enforces atomically, with this request's token estimate. */
export interface Admission {
  rpm?: number;
  tpm?: number;
  maxParallel?: number;
  /** Tokens this request is expected to use (prompt estimate + max_tokens when known). */
  tokens: number;
  /** How long the in-flight lease lives if the process dies before releasing it, ms. */
  leaseMs: number;
  /** How long a half-open probe holds the deployment for itself, ms. */
  probeMs: number;
}

export type AdmitResult =
  /** Admitted; `probe` when this request is the half-open probe. */
  | { admitted: true; lease: string; probe: boolean }
  | { admitted: false; why: "rpm" | "tpm" | "parallel" | "cooling" };

export interface ReleaseOutcome {
  /** Whole-attempt latency of a successful unary attempt, ms. */
  latencyMs?: number;
  /** Time to the first event of a successful stream, ms. */
  ttftMs?: number;
  /** Tokens actually used minus the estimate counted at admission (may be negative). */
  tokenCorrection?: number;
}

export interface FailurePolicy {
  /** Failures allowed in the window before the deployment cools down. */
  allowedFails: number;
  windowMs: number;
  cooldownMs: number;
  /** Cool down at once (a failed half-open probe). */
  immediate: boolean;
}
