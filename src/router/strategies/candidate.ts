import type { Deployment } from "../../core/types/deployment.js";
import type { DeploymentState } from "../state/deployment-state.js";

/** A deployment that may take the request now, with its state: the input of every strategy. */
export interface Candidate {
  deployment: Deployment;
  state: DeploymentState;
}

/** What a strategy may look at besides the candidates. Randomness is injected so tables are deterministic. */
export interface StrategyInput {
  /** Uniform in [0, 1). */
  random: () => number;
  /** Whether the request streams (latency-based routing ranks streams by time to first token). */
  stream: boolean;
  /** Estimated tokens of this request (usage-based routing). */
  tokens: number;
  /** `routing_strategy_args`. */
  args: StrategyArgs;
}

export interface StrategyArgs {
  /** latency-based-routing: deployments within this fraction of the fastest share load. LiteLLM `lowest_latency_buffer`. */
  lowestLatencyBuffer: number;
}

/** Picks one candidate (candidates are non-empty and already filtered for health and limits), or undefined. */
export type Strategy = (candidates: readonly Candidate[], input: StrategyInput) => Candidate | undefined;

/** Uniform choice among equals. */
export function pickRandom<T>(items: readonly T[], random: () => number): T | undefined {
  if (items.length <= 1) return items[0];
  return items[Math.min(items.length - 1, Math.floor(random() * items.length))];
}

/** Weighted choice; non-positive weights never win unless every weight is. */
export function pickWeighted<T>(
  items: readonly T[],
  weights: readonly number[],
  random: () => number,
): T | undefined {
  const total = weights.reduce((sum, weight) => sum + Math.max(0, weight), 0);
  if (total <= 0) return pickRandom(items, random);
  let target = random() * total;
  for (let index = 0; index < items.length; index++) {
    const weight = Math.max(0, weights[index] ?? 0);
    if (weight <= 0) continue;
    target -= weight;
    if (target < 0) return items[index];
  }
  for (let index = items.length - 1; index >= 0; index--) if ((weights[index] ?? 0) > 0) return items[index];
  return items.at(-1);
}

/** Every candidate whose key is the minimum (for tie-breaking among equals). */
export function minimaBy<T>(items: readonly T[], key: (item: T) => number): T[] {
  let best = Number.POSITIVE_INFINITY;
  let out: T[] = [];
  for (const item of items) {
    const value = key(item);
    if (value < best) {
      best = value;
      out = [item];
    } else if (value === best) out.push(item);
  }
  return out.length === 0 ? [...items] : out;
}
