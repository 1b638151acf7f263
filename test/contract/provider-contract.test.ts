/**
 * Shard 0 of the contract suite, and the check that every registered provider has a case. The table is split
 * round-robin over four test files only so that the runner can run them side by side (and each stays well under
 * the per-file timeout); adding a provider is still one entry in provider-cases.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { listProviders } from "../../src/providers/registry.js";
import { runContractShard } from "./contract-shards.js";
import { PENDING, providerCases } from "./provider-cases.js";

runContractShard(0);

describe("every registered provider is in the contract table", () => {
  for (const provider of listProviders()) {
    it(provider, (t) => {
      const pending = PENDING[provider];
      if (pending !== undefined) {
        t.skip(`${provider} has no contract case yet: ${pending}`);
        return;
      }
      assert.ok(
        providerCases.some((providerCase) => providerCase.provider === provider),
        `add a case for ${provider} to test/contract/provider-cases.ts`,
      );
    });
  }
});
