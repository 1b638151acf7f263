import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Deployment } from "../../../src/core/types/deployment.js";
import { type EligibilityInput, eligible } from "../../../src/router/eligibility.js";
import { type DeploymentState, FRESH_STATE } from "../../../src/router/state/deployment-state.js";

function deployment(
  id: string,
  params: Partial<Deployment["params"]> = {},
  maxInputTokens?: number,
): Deployment {
  return {
    id,
    modelName: "g",
    provider: "openai",
    model: id,
    params: { extra: {}, ...params },
    info: { extra: {}, ...(maxInputTokens !== undefined ? { maxInputTokens } : {}) },
  };
}

const NOW = 1_700_000_010_000;
const base: EligibilityInput = {
  tried: new Set(),
  excluded: new Set(),
  promptTokens: 100,
  contextCheck: false,
  defaultMaxParallel: undefined,
  now: NOW,
};

function ids(result: ReturnType<typeof eligible>): string[] | string {
  return result.kind === "candidates"
    ? result.candidates.map((c) => c.deployment.id)
    : `blocked:${result.why}`;
}

describe("eligibility (pure)", () => {
  const table: {
    name: string;
    deployments: Deployment[];
    states?: Record<string, Partial<DeploymentState>>;
    input?: Partial<EligibilityInput>;
    expect: string[] | string;
  }[] = [
    { name: "all healthy", deployments: [deployment("a"), deployment("b")], expect: ["a", "b"] },
    {
      name: "cooling skipped",
      deployments: [deployment("a"), deployment("b")],
      states: { a: { health: "cooling", coolingUntil: NOW + 1000 } },
      expect: ["b"],
    },
    {
      name: "half-open is eligible (admission decides the probe)",
      deployments: [deployment("a")],
      states: { a: { health: "half-open" } },
      expect: ["a"],
    },
    {
      name: "all cooling → blocked",
      deployments: [deployment("a")],
      states: { a: { health: "cooling", coolingUntil: NOW + 1000 } },
      expect: "blocked:cooling",
    },
    {
      name: "rpm reached",
      deployments: [deployment("a", { rpm: 10 }), deployment("b", { rpm: 10 })],
      states: { a: { rpmUsed: 10 }, b: { rpmUsed: 9 } },
      expect: ["b"],
    },
    {
      name: "tpm would be exceeded",
      deployments: [deployment("a", { tpm: 1000 }), deployment("b")],
      states: { a: { tpmUsed: 950 } },
      expect: ["b"],
    },
    {
      name: "max_parallel_requests reached",
      deployments: [deployment("a", { maxParallelRequests: 2 }), deployment("b")],
      states: { a: { inFlight: 2 } },
      expect: ["b"],
    },
    {
      name: "default_max_parallel_requests applies",
      deployments: [deployment("a"), deployment("b")],
      states: { a: { inFlight: 1 } },
      input: { defaultMaxParallel: 1 },
      expect: ["b"],
    },
    {
      name: "all at limits → capacity",
      deployments: [deployment("a", { rpm: 1 })],
      states: { a: { rpmUsed: 1 } },
      expect: "blocked:capacity",
    },
    {
      name: "order: lower tier first",
      deployments: [deployment("a", { order: 2 }), deployment("b", { order: 1 }), deployment("c")],
      expect: ["b"],
    },
    {
      name: "order: next tier when the first is cooling",
      deployments: [deployment("a", { order: 2 }), deployment("b", { order: 1 })],
      states: { b: { health: "cooling", coolingUntil: NOW + 5 } },
      expect: ["a"],
    },
    {
      name: "order: a tried but healthy tier-1 deployment is retried before tier 2",
      deployments: [deployment("a", { order: 1 }), deployment("b", { order: 2 })],
      input: { tried: new Set(["a"]) },
      expect: ["a"],
    },
    {
      name: "untried preferred",
      deployments: [deployment("a"), deployment("b")],
      input: { tried: new Set(["a"]) },
      expect: ["b"],
    },
    {
      name: "excluded never",
      deployments: [deployment("a"), deployment("b")],
      input: { excluded: new Set(["b"]) },
      expect: ["a"],
    },
    {
      name: "context check drops small windows",
      deployments: [deployment("a", {}, 50), deployment("b", {}, 1000)],
      input: { contextCheck: true },
      expect: ["b"],
    },
    {
      name: "context check: nothing fits",
      deployments: [deployment("a", {}, 50)],
      input: { contextCheck: true },
      expect: "blocked:context_window",
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      const states = new Map<string, DeploymentState>();
      for (const [id, state] of Object.entries(row.states ?? {}))
        states.set(id, { ...FRESH_STATE, ...state });
      assert.deepEqual(ids(eligible(row.deployments, states, { ...base, ...row.input })), row.expect);
    });
  }

  it("reports when a cooling group may recover", () => {
    const result = eligible(
      [deployment("a")],
      new Map([["a", { ...FRESH_STATE, health: "cooling", coolingUntil: NOW + 1234 }]]),
      base,
    );
    assert.deepEqual(result, { kind: "blocked", why: "cooling", retryAfterMs: 1234 });
  });
});
