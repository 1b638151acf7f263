import { type Candidate, pickWeighted, type Strategy } from "./candidate.js";

/**
 * LiteLLM's default: a weighted random pick. The weight is `weight` when any deployment of the group sets one,
 * else `rpm`, else `tpm`, else equal; a deployment missing the field the group uses counts as 1.
 */
export const simpleShuffle: Strategy = (candidates, input) => {
  const field = weightField(candidates);
  const weights = candidates.map((candidate) =>
    field === undefined ? 1 : (candidate.deployment.params[field] ?? 1),
  );
  return pickWeighted(candidates, weights, input.random);
};

function weightField(candidates: readonly Candidate[]): "weight" | "rpm" | "tpm" | undefined {
  for (const field of ["weight", "rpm", "tpm"] as const) {
    if (candidates.some((candidate) => candidate.deployment.params[field] !== undefined)) return field;
  }
  return undefined;
}
