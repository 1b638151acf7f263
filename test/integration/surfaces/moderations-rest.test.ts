import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import OpenAI from "openai";
import { readConformanceJson } from "../../helpers/conformance.js";
import { MASTER_KEY } from "../../helpers/gateway.js";
import { createKey, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";
import {
  type FakeSurfacesUpstream,
  moderationCassette,
  startFakeSurfacesUpstream,
} from "./fake-surfaces-upstream.js";
import { CANARIES, surfaceDeployments } from "./surface-deployments.js";

describe("POST /v1/moderations through the official openai SDK, under virtual keys", () => {
  let upstream: FakeSurfacesUpstream;
  let gateway: UsageGateway;
  let client: OpenAI;

  async function moderate(body: unknown, key = MASTER_KEY) {
    const response = await fetch(`${gateway.url}/v1/moderations`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  /** The ledger rows of one request, waiting (bounded) for at least `expected` to be written. */
  async function rowsFor(requestId: string, expected = 1) {
    for (let round = 0; round < 200 && gateway.usage.limiter.inFlight() > 0; round++) await delay(25);
    let rows: Awaited<ReturnType<typeof gateway.usage.store.query>> = [];
    for (let round = 0; round < 40; round++) {
      await gateway.usage.ledger.flush();
      rows = (await gateway.usage.store.query({}, undefined, 1000)).filter(
        (row) => row.requestId === requestId,
      );
      if (rows.length >= expected) break;
      await delay(50);
    }
    return rows;
  }

  before(async () => {
    upstream = await startFakeSurfacesUpstream();
    gateway = await startUsageGateway({
      database: "sqlite",
      deployments: surfaceDeployments(upstream.url),
      app: { maxBodyBytes: 256 * 1024 },
    });
    client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });

  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  it("the SDK's default request (no model): the recorded input reaches OpenAI with OpenAI's default model, the recorded answer comes back", async () => {
    const cassette = moderationCassette();
    const before = upstream.calls.length;
    const result = await client.moderations.create({ input: cassette.request["input"] as string });
    const call = upstream.calls[before];
    assert.equal(call?.path, "/openai/v1/moderations");
    // The recorded request named no model; the gateway always names the one it routed to.
    assert.deepEqual(call?.body, { ...cassette.request, model: "omni-moderation-latest" });
    assert.equal(call?.headers.authorization, `Bearer ${CANARIES.openai}`);
    assert.deepEqual(result, readConformanceJson("openai/moderations-basic.json"));
  });

  it("a named model, a list of texts and a multimodal input are passed in the caller's form", async () => {
    const before = upstream.calls.length;
    upstream.faults.push({
      status: 200,
      body: JSON.stringify({
        id: "modr-2",
        model: "text-moderation-007",
        results: [{ flagged: false }, { flagged: true }],
      }),
    });
    const listed = await client.moderations.create({ model: "text-moderation", input: ["a", "b"] });
    assert.deepEqual(upstream.calls[before]?.body, { model: "text-moderation-007", input: ["a", "b"] });
    assert.deepEqual(
      listed.results.map((item) => item.flagged),
      [false, true],
    );
    const parts = [
      { type: "text" as const, text: "look" },
      { type: "image_url" as const, image_url: { url: "https://example.com/cat.png" } },
    ];
    await client.moderations.create({ model: "omni-moderation-latest", input: parts });
    assert.deepEqual(upstream.calls[before + 1]?.body, { model: "omni-moderation-latest", input: parts });
  });

  it("one ledger row per call at OpenAI's price ($0: moderations are free), tokens estimated and flagged", async () => {
    const { key } = await createKey(gateway.url, {});
    const answer = await moderate({ input: "Have a great day!" }, key);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.headers.get("x-switchboard-usage-estimated"), "true");
    const rows = await rowsFor(answer.headers.get("x-request-id") ?? "");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.costUsd, 0);
    assert.equal(rows[0]?.usageEstimated, true);
    assert.ok((rows[0]?.promptTokens ?? 0) > 0);
  });

  it("a key without the model gets 403 naming it, nothing billed; rpm_limit applies", async () => {
    const { key } = await createKey(gateway.url, { models: ["text-moderation"], rpm_limit: 1 });
    const denied = await moderate({ input: "x" }, key);
    assert.equal(denied.status, 403, denied.text);
    assert.equal(JSON.parse(denied.text).error.param, "model");
    assert.equal((await rowsFor(denied.headers.get("x-request-id") ?? "", 0)).length, 0);
    assert.equal((await moderate({ model: "text-moderation", input: "x" }, key)).status, 200);
    assert.equal((await moderate({ model: "text-moderation", input: "x" }, key)).status, 429);
  });

  for (const model of ["vllm-base", "rr-cohere", "mock-gpt", "claude"]) {
    it(`${model}: a provider without a moderations API is a 400 naming the model, before any upstream call`, async () => {
      const before = upstream.calls.length;
      const answer = await moderate({ model, input: "x" });
      assert.equal(answer.status, 400, answer.text);
      assert.equal(JSON.parse(answer.text).error.param, "model");
      assert.equal(upstream.calls.length, before);
    });
  }

  const refusals: [string, Record<string, unknown>, string][] = [
    ["a top-level api_base", { input: "x", api_base: "http://evil.example" }, "api_base"],
    ["provider_options (not taken)", { input: "x", provider_options: { model: "x" } }, "provider_options"],
    ["an empty input", { input: "" }, "input"],
    ["an empty list", { input: [] }, "input"],
    ["a list with an empty text", { input: ["a", ""] }, "input[1]"],
    ["a wrong input type", { input: 3 }, "input"],
    [
      "an image that is not https or data:image",
      { input: [{ type: "image_url", image_url: { url: "file:///etc/passwd" } }] },
      "input[0].image_url.url",
    ],
    ["an unknown part type", { input: [{ type: "audio", audio: "x" }] }, "input"],
    ["too many inputs", { input: Array(1001).fill("x") }, "input"],
  ];
  for (const [label, body, param] of refusals) {
    it(`${label}: 400 naming '${param}', no upstream call`, async () => {
      const before = upstream.calls.length;
      const answer = await moderate(body);
      assert.equal(answer.status, 400, answer.text);
      assert.equal(JSON.parse(answer.text).error.param, param);
      assert.equal(upstream.calls.length, before);
    });
  }

  it("an answer with fewer results than inputs is a 502, never a short list; upstream 401 is a 502 with no secret", async () => {
    upstream.faults.push(
      ...Array.from({ length: 3 }, () => ({
        status: 200,
        body: JSON.stringify({ id: "m", results: [{ flagged: false }] }),
      })),
    );
    const short = await moderate({ input: ["a", "b"] });
    upstream.faults.length = 0;
    assert.equal(short.status, 502, short.text);
    upstream.faults.push(
      ...Array.from({ length: 3 }, () => ({
        status: 401,
        body: JSON.stringify({ error: { message: `Incorrect API key provided: ${CANARIES.openai}` } }),
      })),
    );
    const denied = await moderate({ input: "a" });
    upstream.faults.length = 0;
    assert.equal(denied.status, 502, denied.text);
    assert.equal(denied.text.includes(CANARIES.openai), false);
  });
});
