import { pickRandom, type Strategy } from "./candidate.js";

/**
 * Lowest moving-average latency: time to first token for streams, whole-attempt latency otherwise (falling back
 * to the other measure when one is missing). Deployments never measured go first, so every deployment gets
 * sampled. Deployments within `lowestLatencyBuffer` (a fraction) of the fastest share the load at random, so a
 * near-tie does not send everything to one deployment.
 */
export const latencyBased: Strategy = (candidates, input) => {
  const latency = (state: (typeof candidates)[number]["state"]) =>
    input.stream ? (state.ttftMs ?? state.latencyMs) : (state.latencyMs ?? state.ttftMs);
  const unmeasured = candidates.filter((candidate) => latency(candidate.state) === undefined);
  if (unmeasured.length > 0) return pickRandom(unmeasured, input.random);
  const fastest = Math.min(...candidates.map((candidate) => latency(candidate.state) ?? 0));
  const limit = fastest * (1 + Math.max(0, input.args.lowestLatencyBuffer));
  return pickRandom(
    candidates.filter((candidate) => (latency(candidate.state) ?? 0) <= limit),
    input.random,
  );
};
