import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { createKey, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";
import { embeddingDeployments } from "./embedding-deployments.js";
import { type FakeEmbeddingsUpstream, startFakeEmbeddingsUpstream } from "./fake-embeddings-upstream.js";

async function embed(url: string, key: string, body: Record<string, unknown>) {
  const response = await fetch(`${url}/v1/embeddings`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe("embeddings under virtual keys: model access, budgets, rate limits, a priced ledger row per attempt", () => {
  let upstream: FakeEmbeddingsUpstream;
  let gateway: UsageGateway;

  async function rowsFor(requestId: string) {
    for (let round = 0; round < 200 && gateway.usage.limiter.inFlight() > 0; round++) await delay(25);
    await gateway.usage.ledger.flush();
    return (await gateway.usage.store.query({}, undefined, 1000)).filter(
      (row) => row.requestId === requestId,
    );
  }

  before(async () => {
    upstream = await startFakeEmbeddingsUpstream();
    gateway = await startUsageGateway({
      database: "sqlite",
      deployments: embeddingDeployments(upstream.url),
    });
  });

  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  it("a priced model: cost in the headers and one ledger row with the provider's tokens at the embedding price", async () => {
    const { key } = await createKey(gateway.url, { models: ["emb-openai"] });
    const answer = await embed(gateway.url, key, { model: "emb-openai", input: ["a 0", "b 1"] });
    assert.equal(answer.status, 200, answer.text);
    // text-embedding-3-small: $0.02 per million tokens; the fake reports 2 tokens an input.
    assert.equal(answer.headers.get("x-switchboard-cost-usd"), String(4 * 2e-8));
    const rows = await rowsFor(answer.headers.get("x-request-id") ?? "");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.promptTokens, 4);
    assert.equal(rows[0]?.completionTokens, 0);
    assert.equal(rows[0]?.costUsd, 4 * 2e-8);
    assert.equal(rows[0]?.usageEstimated, false);
    assert.equal(rows[0]?.provider, "openai");
  });

  it("a key limited to another model gets 403, and nothing is billed", async () => {
    const { key } = await createKey(gateway.url, { models: ["emb-openai"] });
    const answer = await embed(gateway.url, key, { model: "emb-cohere", input: "a" });
    assert.equal(answer.status, 403);
    assert.equal(JSON.parse(answer.text).error.param, "model");
    assert.equal((await rowsFor(answer.headers.get("x-request-id") ?? "")).length, 0);
  });

  it("an unpriced model is flagged (cost null, status header), never $0", async () => {
    const { key } = await createKey(gateway.url, {});
    // Self-hosted families (Ollama, vLLM) are $0 in the shipped table by choice; voyage-finance-2 has no row.
    const answer = await embed(gateway.url, key, { model: "emb-unpriced", input: "a 0" });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.headers.get("x-switchboard-cost-status"), "unpriced");
    assert.equal(answer.headers.get("x-switchboard-cost-usd"), null);
    const rows = await rowsFor(answer.headers.get("x-request-id") ?? "");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.costUsd, null);
  });

  it("no upstream usage: the ledger row is estimated, flagged, and priced (gemini-embedding-001)", async () => {
    const { key } = await createKey(gateway.url, {});
    const answer = await embed(gateway.url, key, { model: "emb-gemini", input: "hello there 0" });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.headers.get("x-switchboard-usage-estimated"), "true");
    const body = JSON.parse(answer.text) as { usage: { prompt_tokens: number } };
    const rows = await rowsFor(answer.headers.get("x-request-id") ?? "");
    assert.equal(rows[0]?.usageEstimated, true);
    // The client's usage and the ledger agree.
    assert.equal(rows[0]?.promptTokens, body.usage.prompt_tokens);
    assert.ok((rows[0]?.costUsd ?? 0) > 0);
  });

  it("an upstream failure then a retry: two ledger rows, the failed one with no tokens", async () => {
    const { key } = await createKey(gateway.url, {});
    upstream.faults.push({ status: 500, body: JSON.stringify({ error: { message: "boom" } }) });
    const answer = await embed(gateway.url, key, { model: "emb-openai", input: "a 0" });
    assert.equal(answer.status, 200, answer.text);
    const rows = await rowsFor(answer.headers.get("x-request-id") ?? "");
    assert.equal(rows.length, 2);
    assert.deepEqual(
      rows.map((row) => [row.attempt, row.totalTokens]).sort((a, b) => (a[0] as number) - (b[0] as number)),
      [
        [1, 0],
        [2, 2],
      ],
    );
  });

  it("rpm_limit applies to embeddings: the second call in the minute is 429", async () => {
    const { key } = await createKey(gateway.url, { rpm_limit: 1 });
    assert.equal((await embed(gateway.url, key, { model: "emb-openai", input: "a 0" })).status, 200);
    const second = await embed(gateway.url, key, { model: "emb-openai", input: "a 0" });
    assert.equal(second.status, 429);
  });

  it("a budget is reserved before the call: a key over its max_budget is refused before any upstream call", async () => {
    // $0.0000005 covers one small call (bound: bytes x $2e-8) but not a 10 kB one.
    const { key } = await createKey(gateway.url, { max_budget: 0.0000005 });
    const before = upstream.calls.length;
    const big = await embed(gateway.url, key, { model: "emb-openai", input: ["x".repeat(40_000)] });
    assert.equal(big.status, 429, big.text);
    assert.equal(upstream.calls.length, before);
    const small = await embed(gateway.url, key, { model: "emb-openai", input: "a 0" });
    assert.equal(small.status, 200, small.text);
  });
});
