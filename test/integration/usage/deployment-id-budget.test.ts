import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { Deployment } from "../../../src/core/types/deployment.js";
import { deployment } from "../../helpers/gateway.js";
import {
  chat,
  createKey,
  mockDeployments,
  startUsageGateway,
  type UsageGateway,
} from "../../helpers/usage-gateway.js";

// Worst case of one request with max_tokens 100 and the prompt "hi" on a mock model ($1/M in, $2/M out):
// (2 bytes + 8 + 16) tokens × $1/M + 100 × $2/M = $0.000226. A $0.0003 budget fits exactly one.
const BUDGET = 0.0003;
const HI = [{ role: "user", content: "hi" }];

/** A deployment callers may also name by its `model_info.id`. */
function pinned(modelName: string, model: string, id: string): Deployment {
  const base = deployment(modelName, "mock", model, {}, id);
  return { ...base, info: { ...base.info, id } };
}

async function settled(gateway: UsageGateway): Promise<void> {
  for (let round = 0; round < 200 && gateway.usage.limiter.inFlight() > 0; round++) await delay(25);
  await gateway.usage.ledger.flush();
}

async function spendOf(url: string, key: string, keyId: string): Promise<number> {
  const response = await fetch(`${url}/key/info?key=${encodeURIComponent(keyId)}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const body = (await response.json()) as { info: { spend: number } };
  return body.info.spend;
}

describe("a request naming a deployment by its model_info.id is budgeted like any other (issue 12)", () => {
  it("reserves the deployment's worst case: refused when it cannot fit, one of ten when one fits", async () => {
    const gateway = await startUsageGateway({
      database: "sqlite",
      deployments: [
        ...mockDeployments(),
        pinned("mock-pinned", "fixed", "pinned-1"),
        pinned("mock-slow", "slow-1000", "slow-1"),
      ],
    });
    try {
      const { key, keyId } = await createKey(gateway.url, { max_budget: BUDGET });
      // No max_tokens: the worst case is the model's whole output limit, far above the budget, by group or by id;
      // both are capped alike at what the budget can pay (issue #15: (0.0003 − $0.000026) / $2/M ≈ 137 tokens).
      const byGroup = await chat(gateway.url, key, { model: "mock-pinned", messages: HI });
      assert.equal(byGroup.status, 200, byGroup.text);
      const byId = await chat(gateway.url, key, { model: "pinned-1", messages: HI });
      assert.equal(byId.status, 200, `by id: ${byId.status} ${byId.text}`);
      for (const capped of [byGroup, byId]) {
        const cap = Number(capped.headers.get("x-switchboard-max-tokens-capped"));
        assert.ok(cap >= 16 && cap <= 137, `capped at ${cap}`);
      }
      // max_tokens the budget cannot pay is refused, by id as by group.
      const tooMany = await chat(gateway.url, key, { model: "pinned-1", max_tokens: 4_000, messages: HI });
      assert.equal(tooMany.status, 429, tooMany.text);
      assert.match(tooMany.text, /insufficient_quota/);
      await settled(gateway);

      // Ten concurrent slow requests by id on a budget that fits one: one admitted, nine refused, no overshoot.
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          chat(gateway.url, key, { model: "slow-1", max_tokens: 100, messages: HI }),
        ),
      );
      const admitted = results.filter((result) => result.status === 200);
      const refused = results.filter((result) => result.status === 429);
      assert.equal(admitted.length, 1, results.map((result) => `${result.status}`).join(","));
      assert.equal(refused.length, 9);
      await settled(gateway);
      // Settled like any other: the attempt is priced and billed, and spend stays within the budget.
      const [ok] = admitted;
      assert.ok(Number(ok?.headers.get("x-litellm-response-cost")) > 0);
      const spend = await spendOf(gateway.url, key, keyId);
      assert.ok(spend > 0 && spend <= BUDGET, `spend ${spend} within budget ${BUDGET}`);
      const rows = (await gateway.usage.store.query({}, undefined, 100)).filter(
        (row) => row.requestId === ok?.headers.get("x-request-id"),
      );
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.deployment, "slow-1");
      assert.ok((rows[0]?.costUsd ?? 0) > 0);
      assert.equal(await gateway.usage.limiter.outstanding(), 0);
    } finally {
      await gateway.close();
    }
  });
});
