import type { Strategy } from "./candidate.js";
import { costBased } from "./cost-based.js";
import { latencyBased } from "./latency-based.js";
import { leastBusy } from "./least-busy.js";
import { simpleShuffle } from "./simple-shuffle.js";
import { usageBased } from "./usage-based.js";

/** LiteLLM's strategy names (`router_settings.routing_strategy`); `usage-based-routing-v2` is the same as v1 here. */
export type RoutingStrategy =
  | "simple-shuffle"
  | "least-busy"
  | "usage-based-routing"
  | "usage-based-routing-v2"
  | "latency-based-routing"
  | "cost-based-routing";

export type { Candidate, Strategy, StrategyArgs, StrategyInput } from "./candidate.js";

/** `router_settings.routing_strategy` → the pure function that implements it. */
export function strategyFor(name: RoutingStrategy): Strategy {
  switch (name) {
    case "simple-shuffle":
      return simpleShuffle;
    case "least-busy":
      return leastBusy;
    case "latency-based-routing":
      return latencyBased;
    case "usage-based-routing":
    case "usage-based-routing-v2":
      return usageBased;
    case "cost-based-routing":
      return costBased;
  }
}
