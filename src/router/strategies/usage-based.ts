import type { Candidate, Strategy } from "./candidate.js";
import { minimaBy, pickRandom } from "./candidate.js";

/**
 * Most headroom in the current minute: the smaller of the rpm and tpm fractions left (a deployment with neither
 * limit has full headroom), then the fewest tokens used. Deployments at a limit never reach a strategy (they are
 * filtered before), so this only ranks the ones that can take the request.
 */
export const usageBased: Strategy = (candidates, input) => {
  const headroom = (candidate: Candidate) => {
    const { rpm, tpm } = candidate.deployment.params;
    let left = 1;
    if (rpm !== undefined && rpm > 0) left = Math.min(left, (rpm - candidate.state.rpmUsed) / rpm);
    if (tpm !== undefined && tpm > 0) {
      left = Math.min(left, (tpm - candidate.state.tpmUsed - input.tokens) / tpm);
    }
    return left;
  };
  const roomiest = minimaBy(candidates, (candidate) => -headroom(candidate));
  return pickRandom(
    minimaBy(roomiest, (candidate) => candidate.state.tpmUsed),
    input.random,
  );
};
