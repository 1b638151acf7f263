/** Shard 2 of the contract suite (see provider-contract.test.ts). */
import { runContractShard } from "./contract-shards.js";

runContractShard(2);
