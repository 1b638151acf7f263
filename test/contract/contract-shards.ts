import { runContractSuite } from "./contract-suite.js";
import { providerCases } from "./provider-cases.js";

/** How many test files share the table (provider-contract*.test.ts). */
export const CONTRACT_SHARDS = 4;

/** Runs the cases whose position in the table is `shard` modulo CONTRACT_SHARDS. */
export function runContractShard(shard: number): void {
  providerCases.forEach((providerCase, index) => {
    if (index % CONTRACT_SHARDS === shard) runContractSuite(providerCase);
  });
}
