import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Deployment } from "../../../src/core/types/deployment.js";
import type { DeploymentState } from "../../../src/router/state/deployment-state.js";
import { FRESH_STATE } from "../../../src/router/state/deployment-state.js";
import type { Candidate, StrategyInput } from "../../../src/router/strategies/index.js";
import { strategyFor } from "../../../src/router/strategies/index.js";

function candidate(
  id: string,
  params: Partial<Deployment["params"]> = {},
  state: Partial<DeploymentState> = {},
  info: Partial<Deployment["info"]> = {},
): Candidate {
  return {
    deployment: {
      id,
      modelName: "g",
      provider: "openai",
      model: id,
      params: { extra: {}, ...params },
      info: { extra: {}, ...info },
    },
    state: { ...FRESH_STATE, ...state },
  };
}

/** Runs a strategy many times with a seeded generator and returns how often each deployment won. */
function shares(
  name: Parameters<typeof strategyFor>[0],
  candidates: Candidate[],
  input: Partial<StrategyInput> = {},
) {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const counts = new Map<string, number>();
  const strategy = strategyFor(name);
  for (let round = 0; round < 4000; round++) {
    const picked = strategy(candidates, {
      random,
      stream: false,
      tokens: 0,
      args: { lowestLatencyBuffer: 0.1 },
      ...input,
    });
    const id = picked?.deployment.id ?? "none";
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].map(([id, count]) => [id, Math.round((count / 4000) * 10) / 10]));
}

describe("routing strategies (pure, over a snapshot)", () => {
  const table: {
    name: string;
    strategy: Parameters<typeof strategyFor>[0];
    candidates: Candidate[];
    input?: Partial<StrategyInput>;
    expect: Record<string, number>;
  }[] = [
    {
      name: "simple-shuffle: equal without weights",
      strategy: "simple-shuffle",
      candidates: [candidate("a"), candidate("b")],
      expect: { a: 0.5, b: 0.5 },
    },
    {
      name: "simple-shuffle: weight 3:1",
      strategy: "simple-shuffle",
      candidates: [candidate("a", { weight: 3 }), candidate("b", { weight: 1 })],
      expect: { a: 0.8, b: 0.3 },
    },
    {
      name: "simple-shuffle: rpm when no weight",
      strategy: "simple-shuffle",
      candidates: [candidate("a", { rpm: 900 }), candidate("b", { rpm: 100 })],
      expect: { a: 0.9, b: 0.1 },
    },
    {
      name: "least-busy: fewest in flight",
      strategy: "least-busy",
      candidates: [
        candidate("a", {}, { inFlight: 3 }),
        candidate("b", {}, { inFlight: 1 }),
        candidate("c", {}, { inFlight: 2 }),
      ],
      expect: { b: 1 },
    },
    {
      name: "least-busy: ties share",
      strategy: "least-busy",
      candidates: [
        candidate("a", {}, { inFlight: 1 }),
        candidate("b", {}, { inFlight: 1 }),
        candidate("c", {}, { inFlight: 5 }),
      ],
      expect: { a: 0.5, b: 0.5 },
    },
    {
      name: "latency: unmeasured first",
      strategy: "latency-based-routing",
      candidates: [candidate("a", {}, { latencyMs: 10 }), candidate("b")],
      expect: { b: 1 },
    },
    {
      name: "latency: fastest wins outside the buffer",
      strategy: "latency-based-routing",
      candidates: [candidate("a", {}, { latencyMs: 100 }), candidate("b", {}, { latencyMs: 300 })],
      expect: { a: 1 },
    },
    {
      name: "latency: near-ties within the 10% buffer share",
      strategy: "latency-based-routing",
      candidates: [
        candidate("a", {}, { latencyMs: 100 }),
        candidate("b", {}, { latencyMs: 105 }),
        candidate("c", {}, { latencyMs: 200 }),
      ],
      expect: { a: 0.5, b: 0.5 },
    },
    {
      name: "latency: streams rank by time to first token",
      strategy: "latency-based-routing",
      candidates: [
        candidate("a", {}, { latencyMs: 100, ttftMs: 900 }),
        candidate("b", {}, { latencyMs: 800, ttftMs: 50 }),
      ],
      input: { stream: true },
      expect: { b: 1 },
    },
    {
      name: "usage: most rpm headroom",
      strategy: "usage-based-routing",
      candidates: [
        candidate("a", { rpm: 100 }, { rpmUsed: 90 }),
        candidate("b", { rpm: 10 }, { rpmUsed: 1 }),
      ],
      expect: { b: 1 },
    },
    {
      name: "usage: tpm headroom counts this request",
      strategy: "usage-based-routing-v2",
      candidates: [
        candidate("a", { tpm: 1000 }, { tpmUsed: 100 }),
        candidate("b", { tpm: 10_000 }, { tpmUsed: 5000 }),
      ],
      input: { tokens: 500 },
      expect: { b: 1 },
    },
    {
      name: "cost: cheapest price per token, unpriced last",
      strategy: "cost-based-routing",
      candidates: [
        candidate("a", {}, {}, { inputCostPerToken: 0.00001, outputCostPerToken: 0.00003 }),
        candidate("b", {}, {}, { inputCostPerToken: 0.000001, outputCostPerToken: 0.000002 }),
        candidate("c"),
      ],
      expect: { b: 1 },
    },
    {
      name: "cost: price from litellm_params too",
      strategy: "cost-based-routing",
      candidates: [
        candidate("a", { extra: { input_cost_per_token: 0.5 } }),
        candidate("b", { extra: { input_cost_per_token: 0.1 } }),
      ],
      expect: { b: 1 },
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      const got = shares(row.strategy, row.candidates, row.input);
      for (const [id, share] of Object.entries(row.expect)) {
        assert.ok(Math.abs((got[id] ?? 0) - share) <= 0.1, `${id}: ${JSON.stringify(got)}`);
      }
      for (const id of Object.keys(got))
        assert.ok(id in row.expect, `${id} should never be picked: ${JSON.stringify(got)}`);
    });
  }
});
