import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { listProviders } from "../../src/providers/registry.js";
import { runContractSuite } from "./contract-suite.js";
import { PENDING, providerCases } from "./provider-cases.js";

for (const providerCase of providerCases) runContractSuite(providerCase);

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
