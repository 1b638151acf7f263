import { minimaBy, pickRandom, type Strategy } from "./candidate.js";

/** Fewest attempts in flight (across replicas when state is shared); ties are broken at random. */
export const leastBusy: Strategy = (candidates, input) =>
  pickRandom(
    minimaBy(candidates, (candidate) => candidate.state.inFlight),
    input.random,
  );
