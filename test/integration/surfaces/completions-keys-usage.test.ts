import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { createKey, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";
import { type FakeSurfacesUpstream, startFakeSurfacesUpstream } from "./fake-surfaces-upstream.js";
import { surfaceDeployments } from "./surface-deployments.js";

async function complete(url: string, key: string, body: Record<string, unknown>) {
  const response = await fetch(`${url}/v1/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe("legacy completions under virtual keys: model access, budgets, rate limits, a priced ledger row per attempt", () => {
  let upstream: FakeSurfacesUpstream;
  let gateway: UsageGateway;

  async function rowsFor(requestId: string) {
    for (let round = 0; round < 200 && gateway.usage.limiter.inFlight() > 0; round++) await delay(25);
    await gateway.usage.ledger.flush();
    return (await gateway.usage.store.query({}, undefined, 1000)).filter(
      (row) => row.requestId === requestId,
    );
  }

  before(async () => {
    upstream = await startFakeSurfacesUpstream();
    gateway = await startUsageGateway({ database: "sqlite", deployments: surfaceDeployments(upstream.url) });
  });

  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  it("unary: one ledger row with the provider's tokens at gpt-3.5-turbo-instruct's price", async () => {
    const { key } = await createKey(gateway.url, { models: ["instruct"] });
    const answer = await complete(gateway.url, key, {
      model: "instruct",
      prompt: "Once upon a time",
      max_tokens: 5,
    });
    assert.equal(answer.status, 200, answer.text);
    // The recorded usage: 4 prompt + 5 completion tokens; $1.5/M in, $2/M out.
    const cost = 4 * 1.5e-6 + 5 * 2e-6;
    assert.ok(Math.abs(Number(answer.headers.get("x-switchboard-cost-usd")) - cost) < 1e-12);
    const rows = await rowsFor(answer.headers.get("x-request-id") ?? "");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.promptTokens, 4);
    assert.equal(rows[0]?.completionTokens, 5);
    assert.ok(Math.abs((rows[0]?.costUsd ?? 0) - cost) < 1e-12);
    assert.equal(rows[0]?.usageEstimated, false);
    assert.equal(rows[0]?.provider, "openai");
  });

  it("stream: the ledger row carries the stream's final usage, priced", async () => {
    const { key } = await createKey(gateway.url, {});
    const answer = await complete(gateway.url, key, { model: "instruct", prompt: "Write", stream: true });
    assert.equal(answer.status, 200, answer.text);
    const rows = await rowsFor(answer.headers.get("x-request-id") ?? "");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.promptTokens, 14);
    assert.equal(rows[0]?.completionTokens, 16);
    assert.ok((rows[0]?.costUsd ?? 0) > 0);
  });

  it("a key limited to another model gets 403, and nothing is billed", async () => {
    const { key } = await createKey(gateway.url, { models: ["vllm-base"] });
    const answer = await complete(gateway.url, key, { model: "instruct", prompt: "hi" });
    assert.equal(answer.status, 403);
    assert.equal(JSON.parse(answer.text).error.param, "model");
    assert.equal((await rowsFor(answer.headers.get("x-request-id") ?? "")).length, 0);
  });

  it("an upstream failure then a retry: two ledger rows, the failed one with no tokens", async () => {
    const { key } = await createKey(gateway.url, {});
    upstream.faults.push({ status: 500, body: JSON.stringify({ error: { message: "boom" } }) });
    const answer = await complete(gateway.url, key, { model: "instruct", prompt: "Once upon a time" });
    assert.equal(answer.status, 200, answer.text);
    const rows = await rowsFor(answer.headers.get("x-request-id") ?? "");
    assert.deepEqual(
      rows.map((row) => [row.attempt, row.totalTokens]).sort((a, b) => (a[0] as number) - (b[0] as number)),
      [
        [1, 0],
        [2, 9],
      ],
    );
  });

  it("rpm_limit applies: the second call in the minute is 429", async () => {
    const { key } = await createKey(gateway.url, { rpm_limit: 1 });
    assert.equal((await complete(gateway.url, key, { model: "instruct", prompt: "hi" })).status, 200);
    assert.equal((await complete(gateway.url, key, { model: "instruct", prompt: "hi" })).status, 429);
  });

  it("the budget reserves max_tokens × n before the call: a request it cannot pay is refused with no upstream call", async () => {
    // $0.0005 pays a 16-token answer ($2/M out) but not 128 choices of 4,000 tokens ($1.02).
    const { key } = await createKey(gateway.url, { max_budget: 0.0005 });
    const before = upstream.calls.length;
    const big = await complete(gateway.url, key, {
      model: "instruct",
      prompt: "hi",
      max_tokens: 4000,
      n: 128,
    });
    assert.equal(big.status, 429, big.text);
    assert.equal(upstream.calls.length, before);
    const small = await complete(gateway.url, key, { model: "instruct", prompt: "hi", max_tokens: 16 });
    assert.equal(small.status, 200, small.text);
  });
});
