import type { Deployment } from "../../core/types/deployment.js";
import { minimaBy, pickRandom, type Strategy } from "./candidate.js";

/**
 * Cheapest deployment by price per token (`model_info` input + output cost per token, or the same keys in
 * `litellm_params`); deployments without a price go last. Ties are broken at random.
 */
export const costBased: Strategy = (candidates, input) =>
  pickRandom(
    minimaBy(candidates, (candidate) => pricePerToken(candidate.deployment)),
    input.random,
  );

export function pricePerToken(deployment: Deployment): number {
  const input =
    deployment.info.inputCostPerToken ?? numberOf(deployment.params.extra["input_cost_per_token"]);
  const output =
    deployment.info.outputCostPerToken ?? numberOf(deployment.params.extra["output_cost_per_token"]);
  if (input === undefined && output === undefined) return Number.POSITIVE_INFINITY;
  return (input ?? 0) + (output ?? 0);
}

function numberOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
