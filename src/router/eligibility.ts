import type { Deployment } from "../core/types/deployment.js";
import type { DeploymentState } from "./state/deployment-state.js";
import { FRESH_STATE } from "./state/deployment-state.js";
import type { Candidate } from "./strategies/candidate.js";

export interface EligibilityInput {
  /** Deployments this request already tried: others are preferred (same tier), these are taken when none is left. */
  tried: ReadonlySet<string>;
  /** Deployments not to use in this round (refused at admission, or already running this request as a hedge). */
  excluded: ReadonlySet<string>;
  /** Estimated prompt tokens (context check and tpm). */
  promptTokens: number;
  /** Check the prompt against `model_info.max_input_tokens` before calling. */
  contextCheck: boolean;
  /** `default_max_parallel_requests` for deployments that set none. */
  defaultMaxParallel: number | undefined;
  now: number;
}

export type Eligibility =
  | { kind: "candidates"; candidates: Candidate[] }
  /** Nothing can take the request now; `retryAfterMs` says when something might. */
  | { kind: "blocked"; why: "cooling" | "capacity" | "context_window"; retryAfterMs?: number };

/** The parallel limit that applies to a deployment. */
export function maxParallelOf(
  deployment: Deployment,
  defaultMaxParallel: number | undefined,
): number | undefined {
  return deployment.params.maxParallelRequests ?? defaultMaxParallel;
}

/**
 * Which deployments of a group may take this request now, given a state snapshot: not cooling, under their
 * rpm/tpm/parallel limits, with a context window that fits the prompt, and in the lowest `order` tier that has any
 * such deployment (a deployment without `order` is in the last tier). Pure, so it is tested as a table; the store
 * re-checks the limits atomically at admission.
 */
export function eligible(
  deployments: readonly Deployment[],
  states: ReadonlyMap<string, DeploymentState>,
  input: EligibilityInput,
): Eligibility {
  let pool = deployments.filter((deployment) => !input.excluded.has(deployment.id));
  if (input.contextCheck) {
    const fits = pool.filter((deployment) => {
      const limit = deployment.info.maxInputTokens;
      return limit === undefined || input.promptTokens <= limit;
    });
    if (fits.length === 0 && pool.length > 0) return { kind: "blocked", why: "context_window" };
    pool = fits;
  }
  const candidates: Candidate[] = [];
  let coolingEnds = Number.POSITIVE_INFINITY;
  let capacity = false;
  for (const deployment of pool) {
    const state = states.get(deployment.id) ?? FRESH_STATE;
    if (state.health === "cooling") {
      coolingEnds = Math.min(coolingEnds, state.coolingUntil ?? input.now);
      continue;
    }
    const { rpm, tpm } = deployment.params;
    const maxParallel = maxParallelOf(deployment, input.defaultMaxParallel);
    const atLimit =
      (rpm !== undefined && state.rpmUsed >= rpm) ||
      (tpm !== undefined && state.tpmUsed > 0 && state.tpmUsed + input.promptTokens > tpm) ||
      (maxParallel !== undefined && state.inFlight >= maxParallel);
    if (atLimit) {
      capacity = true;
      continue;
    }
    candidates.push({ deployment, state });
  }
  if (candidates.length === 0) {
    if (capacity) return { kind: "blocked", why: "capacity", retryAfterMs: 60_000 - (input.now % 60_000) };
    return {
      kind: "blocked",
      why: "cooling",
      ...(Number.isFinite(coolingEnds) ? { retryAfterMs: Math.max(0, coolingEnds - input.now) } : {}),
    };
  }
  const tier = Math.min(...candidates.map((candidate) => candidate.deployment.params.order ?? Infinity));
  const inTier = candidates.filter((candidate) => (candidate.deployment.params.order ?? Infinity) === tier);
  const untried = inTier.filter((candidate) => !input.tried.has(candidate.deployment.id));
  return { kind: "candidates", candidates: untried.length > 0 ? untried : inTier };
}
