import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfiguredModelCatalog } from "../../../src/core/catalog/model-catalog.js";
import type { Deployment } from "../../../src/core/types/deployment.js";
import { deployment } from "../../helpers/gateway.js";

function withInfoId(base: Deployment, id: string): Deployment {
  return { ...base, id, info: { ...base.info, id } };
}

const deployments: Deployment[] = [
  deployment("gpt-4o", "openai", "gpt-4o", {}, "gpt-4o#1"),
  withInfoId(deployment("gpt-4o", "azure", "gpt-4o-eu"), "azure-eu"),
  deployment("openai/*", "openai", "*", {}, "openai-wild"),
  deployment("openai/gpt-4o-*", "openai", "gpt-4o-*", {}, "openai-4o-wild"),
  withInfoId(deployment("anthropic/*", "anthropic", "*"), "anthropic-wild"),
];
const catalog = new ConfiguredModelCatalog(deployments, {
  aliases: { smart: "gpt-4o", secret: "gpt-4o", dangling: "nothing" },
  hiddenAliases: ["secret"],
  capabilitiesOf: (provider) => (provider === "openai" ? ["tools"] : []),
});

describe("model catalog: one resolution for the gateway, the router and usage", () => {
  const table: [string, string | undefined, string[] | undefined][] = [
    ["gpt-4o", "gpt-4o", ["gpt-4o", "gpt-4o-eu"]],
    ["smart", "gpt-4o", ["gpt-4o", "gpt-4o-eu"]],
    ["secret", "gpt-4o", ["gpt-4o", "gpt-4o-eu"]],
    // A model_info.id addresses exactly that deployment.
    ["azure-eu", "azure-eu", ["gpt-4o-eu"]],
    // The most specific wildcard wins, and the captured part goes into the deployment's model.
    ["openai/gpt-4o-mini", "openai/gpt-4o-*", ["gpt-4o-mini"]],
    ["openai/o3", "openai/*", ["o3"]],
    ["anthropic/claude-x", "anthropic/*", ["claude-x"]],
    // The id of a wildcard deployment does not name a concrete model.
    ["anthropic-wild", undefined, undefined],
    ["dangling", undefined, undefined],
    ["nope", undefined, undefined],
  ];
  for (const [model, group, models] of table) {
    it(`${model} → ${group ?? "not served"}`, () => {
      const resolved = catalog.resolve(model);
      assert.equal(resolved?.name, group);
      assert.deepEqual(
        resolved?.deployments.map((target) => target.model),
        models,
      );
    });
  }

  it("looks deployments up by id, as configured (pricing makes a wildcard concrete itself)", () => {
    assert.equal(catalog.deployment("openai-wild")?.model, "*");
    assert.equal(catalog.deployment("azure-eu")?.provider, "azure");
    assert.equal(catalog.deployment("missing"), undefined);
    assert.equal(catalog.all().length, deployments.length);
  });

  it("lists groups and visible aliases, never hidden or dangling ones", () => {
    const listed = catalog.list();
    assert.deepEqual(
      listed.map((model) => model.id),
      ["anthropic/*", "gpt-4o", "openai/*", "openai/gpt-4o-*", "smart"],
    );
    const gpt = listed.find((model) => model.id === "gpt-4o");
    assert.equal(gpt?.provider, "mixed");
    assert.equal(gpt?.deployments, 2);
    assert.deepEqual(listed.find((model) => model.id === "openai/*")?.capabilities, ["tools"]);
  });

  it("a hostile model name resolves to nothing or to a wildcard group, never throws", () => {
    for (const name of ["", "*", "openai/", "openai/../x", "a".repeat(100_000), "(.*)+$", "\u0000"]) {
      const resolved = catalog.resolve(name);
      if (resolved !== undefined) assert.ok(resolved.name.includes("*"), name.slice(0, 20));
    }
  });
});
