import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createSwitchboardTransport, Role } from "../../../clients/typescript/src/index.js";
import { ChatService } from "../../../gen/switchboard/v1/chat_service_pb.js";
import { cacheSettings } from "../../helpers/cache-settings.js";
import { type FakeOpenAIUpstream, startFakeOpenAI } from "../../helpers/fake-openai-upstream.js";
import { deployment, MASTER_KEY } from "../../helpers/gateway.js";
import { startSlowUpstream } from "../../helpers/slow-upstream.js";
import { chat, createKey, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";

/** The ledger's rows once every listed request has one (the journal reaches the database in batches). */
async function ledgerRows(gateway: UsageGateway, requestIds: (string | null)[], count = requestIds.length) {
  for (let tries = 0; ; tries++) {
    await gateway.usage.ledger.flush();
    const rows = await gateway.usage.store.query({}, undefined, 10_000);
    const found = new Set(rows.map((row) => row.requestId).filter((id) => requestIds.includes(id)));
    if (found.size >= count || tries >= 40) return rows;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let prompt = 0;
/** A prompt no other test uses, so that each test starts from an empty cache. */
function fresh(): string {
  prompt++;
  return `cache test prompt ${prompt} ${Math.random()}`;
}

function body(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: "fixture/chat-basic", messages: [{ role: "user", content }], ...extra };
}

/** The SSE chunks of a chat stream without what differs per request (the id). */
function chunksOf(text: string): unknown[] {
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("data: ") && block !== "data: [DONE]")
    .map((block) => {
      const chunk = JSON.parse(block.slice(6)) as Record<string, unknown>;
      delete chunk["id"];
      return chunk;
    });
}

describe("response cache (in memory) over REST and RPC", () => {
  let upstream: FakeOpenAIUpstream;
  let gateway: UsageGateway;
  const calls = () =>
    upstream.requests.filter((request) => request.path.endsWith("/chat/completions")).length;

  before(async () => {
    upstream = await startFakeOpenAI();
    gateway = await startUsageGateway({
      database: "sqlite",
      deployments: [
        {
          ...deployment("fixture/*", "openai", "*", {
            apiBase: upstream.baseUrl,
            apiKey: "sk-upstream-canary-123456",
          }),
          // Priced, so that a hit has a cost to save.
          info: { extra: {}, inputCostPerToken: 0.000001, outputCostPerToken: 0.000002 },
        },
      ],
      app: { cache: cacheSettings() },
    });
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  it("answers the second identical request from the cache, with the key and hit headers", async () => {
    const request = body(fresh());
    const before = calls();
    const first = await chat(gateway.url, MASTER_KEY, request);
    const second = await chat(gateway.url, MASTER_KEY, request);
    assert.equal(first.status, 200, first.text);
    assert.equal(second.status, 200, second.text);
    assert.equal(calls() - before, 1, "the upstream was called once");
    assert.equal(first.headers.get("x-litellm-cache-hit"), "false");
    assert.equal(second.headers.get("x-litellm-cache-hit"), "true");
    assert.match(first.headers.get("x-litellm-cache-key") ?? "", /^[0-9a-f]{64}$/);
    assert.equal(second.headers.get("x-litellm-cache-key"), first.headers.get("x-litellm-cache-key"));
    const a = JSON.parse(first.text) as { choices: unknown; usage: { cost?: number } };
    const b = JSON.parse(second.text) as { choices: unknown; usage: { cost?: number } };
    assert.deepEqual(b.choices, a.choices);
    assert.ok((a.usage.cost ?? 0) > 0, "the miss is priced");
    assert.equal(b.usage.cost, 0, "a hit costs nothing");
  });

  it("writes one `hit` row at $0 with the saved cost to the ledger", async () => {
    const request = body(fresh());
    const first = await chat(gateway.url, MASTER_KEY, request);
    const second = await chat(gateway.url, MASTER_KEY, request);
    const rows = await ledgerRows(
      gateway,
      [first, second].map((response) => response.headers.get("x-request-id")),
    );
    const missRows = rows.filter((row) => row.requestId === first.headers.get("x-request-id"));
    const hitRows = rows.filter((row) => row.requestId === second.headers.get("x-request-id"));
    assert.equal(missRows.length, 1);
    assert.equal(missRows[0]?.cacheStatus, "none");
    assert.equal(hitRows.length, 1);
    const hit = hitRows[0];
    assert.equal(hit?.cacheStatus, "hit");
    assert.equal(hit?.costUsd, 0);
    assert.equal(hit?.totalTokens, 0, "a hit uses no tokens");
    assert.equal(hit?.status, "ok");
    assert.ok((missRows[0]?.costUsd ?? 0) > 0);
    assert.equal(hit?.savedCostUsd, missRows[0]?.costUsd, "the hit saved what the miss cost");
    assert.equal(hit?.deployment, missRows[0]?.deployment);
  });

  it("replays a stream from the cache chunk for chunk", async () => {
    const request = { ...body(fresh()), model: "fixture/chat-stream-text", stream: true };
    const before = calls();
    const first = await chat(gateway.url, MASTER_KEY, request);
    const second = await chat(gateway.url, MASTER_KEY, request);
    assert.equal(calls() - before, 1);
    assert.equal(first.headers.get("x-litellm-cache-hit"), "false");
    assert.equal(second.headers.get("x-litellm-cache-hit"), "true");
    const original = chunksOf(first.text);
    assert.ok(original.length > 3, "a real multi-chunk stream");
    assert.deepEqual(chunksOf(second.text), original);
    assert.ok(second.text.endsWith("data: [DONE]\n\n"));
  });

  it("serves RPC Complete (Connect, fast path) and Stream from the cache", async () => {
    const transport = createSwitchboardTransport({ baseUrl: gateway.url, apiKey: MASTER_KEY });
    const client = createClient(ChatService, transport);
    const messages = [{ role: Role.USER, content: [{ part: { case: "text" as const, value: fresh() } }] }];
    const before = calls();
    const hits: (string | null)[] = [];
    const answers: string[] = [];
    for (let index = 0; index < 2; index++) {
      const response = await client.complete(
        { request: { model: "fixture/chat-basic", messages } },
        { onHeader: (headers) => hits.push(headers.get("x-litellm-cache-hit")) },
      );
      assert.ok(response.choices.length > 0);
      answers.push(JSON.stringify(response.choices));
    }
    assert.deepEqual(hits, ["false", "true"]);
    assert.equal(answers[1], answers[0]);
    assert.equal(calls() - before, 1);

    const streamMessages = [
      { role: Role.USER, content: [{ part: { case: "text" as const, value: fresh() } }] },
    ];
    const streams: unknown[][] = [];
    const streamHits: (string | null)[] = [];
    for (let index = 0; index < 2; index++) {
      const events: unknown[] = [];
      for await (const event of client.stream(
        { request: { model: "fixture/chat-stream-text", messages: streamMessages } },
        { onHeader: (headers) => streamHits.push(headers.get("x-litellm-cache-hit")) },
      )) {
        if (event.event.case === "routing") continue;
        // The usage event's cost is $0 on the hit; everything else is the same event for event.
        if (event.event.case === "usage") continue;
        events.push(event.event);
      }
      streams.push(events);
    }
    assert.deepEqual(streamHits, ["false", "true"]);
    assert.ok((streams[0]?.length ?? 0) > 3);
    assert.deepEqual(streams[1], streams[0]);
    assert.equal(calls() - before, 2);
  });

  it("honours no-cache, no-store, namespace and s-maxage from the body and the header", async () => {
    const request = body(fresh());
    let before = calls();
    await chat(gateway.url, MASTER_KEY, request);
    // no-cache: skips the lookup (and stores the fresh answer).
    const noCache = await chat(gateway.url, MASTER_KEY, { ...request, cache: { "no-cache": true } });
    assert.equal(noCache.status, 200, noCache.text);
    assert.equal(noCache.headers.get("x-litellm-cache-hit"), "false");
    assert.equal(calls() - before, 2);
    // namespace: its own partition.
    const namespaced = await chat(gateway.url, MASTER_KEY, { ...request, cache: { namespace: "team-a.v2" } });
    assert.equal(namespaced.headers.get("x-litellm-cache-hit"), "false");
    assert.notEqual(
      namespaced.headers.get("x-litellm-cache-key"),
      noCache.headers.get("x-litellm-cache-key"),
    );
    assert.equal(calls() - before, 3);
    const again = await chat(gateway.url, MASTER_KEY, { ...request, cache: { namespace: "team-a.v2" } });
    assert.equal(again.headers.get("x-litellm-cache-hit"), "true");
    // s-maxage: an entry older than that is not accepted.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const young = await chat(gateway.url, MASTER_KEY, { ...request, cache: { "s-maxage": 1 } });
    assert.equal(young.headers.get("x-litellm-cache-hit"), "false");
    const old = await chat(gateway.url, MASTER_KEY, { ...request, cache: { "s-maxage": 60 } });
    assert.equal(old.headers.get("x-litellm-cache-hit"), "true");

    // no-store: answered, not kept.
    const other = body(fresh());
    before = calls();
    await chat(gateway.url, MASTER_KEY, { ...other, cache: { "no-store": true } });
    const after = await chat(gateway.url, MASTER_KEY, other);
    assert.equal(after.headers.get("x-litellm-cache-hit"), "false");
    assert.equal(calls() - before, 2);

    // The header form, for clients that cannot add body fields.
    const viaHeader = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${MASTER_KEY}`,
        "content-type": "application/json",
        "x-switchboard-cache": "no-cache",
      },
      body: JSON.stringify(other),
    });
    await viaHeader.text();
    assert.equal(viaHeader.headers.get("x-litellm-cache-hit"), "false");
    assert.equal(calls() - before, 3);
  });

  it("expires an entry after its ttl", async () => {
    const request = body(fresh());
    const before = calls();
    await chat(gateway.url, MASTER_KEY, { ...request, cache: { ttl: 1 } });
    const hit = await chat(gateway.url, MASTER_KEY, request);
    assert.equal(hit.headers.get("x-litellm-cache-hit"), "true");
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const expired = await chat(gateway.url, MASTER_KEY, request);
    assert.equal(expired.headers.get("x-litellm-cache-hit"), "false");
    assert.equal(calls() - before, 2);
  });

  it("never lets one key receive another key's cached answer", async () => {
    const alice = await createKey(gateway.url, { key_alias: `alice-${fresh()}` });
    const bob = await createKey(gateway.url, { key_alias: `bob-${fresh()}` });
    const request = body(fresh());
    const before = calls();
    const a1 = await chat(gateway.url, alice.key, request);
    const b1 = await chat(gateway.url, bob.key, request);
    assert.equal(a1.status, 200, a1.text);
    assert.equal(b1.status, 200, b1.text);
    assert.equal(b1.headers.get("x-litellm-cache-hit"), "false", "bob never sees alice's entry");
    assert.notEqual(b1.headers.get("x-litellm-cache-key"), a1.headers.get("x-litellm-cache-key"));
    // A namespace cannot reach across tenants either: it partitions the caller's own entries.
    const b2 = await chat(gateway.url, bob.key, { ...request, cache: { namespace: "shared" } });
    assert.equal(b2.headers.get("x-litellm-cache-hit"), "false");
    assert.equal(calls() - before, 3);
    const a2 = await chat(gateway.url, alice.key, request);
    assert.equal(a2.headers.get("x-litellm-cache-hit"), "true");
  });

  it("does not cache temperature > 0, errors, or anything the request changes", async () => {
    const content = fresh();
    let before = calls();
    await chat(gateway.url, MASTER_KEY, body(content, { temperature: 0.7 }));
    const warm = await chat(gateway.url, MASTER_KEY, body(content, { temperature: 0.7 }));
    assert.equal(warm.headers.get("x-litellm-cache-hit"), null, "not eligible: no cache headers");
    assert.equal(calls() - before, 2);
    // temperature 0 is deterministic: cached; another max_tokens or a tool is another key.
    before = calls();
    await chat(gateway.url, MASTER_KEY, body(content, { temperature: 0 }));
    const other = await chat(gateway.url, MASTER_KEY, body(content, { temperature: 0, max_tokens: 7 }));
    assert.equal(other.headers.get("x-litellm-cache-hit"), "false");
    assert.equal(calls() - before, 2);
    before = calls();
    const errorRequest = {
      model: "fixture/error:openai-400-invalid-model:400",
      messages: [{ role: "user", content }],
    };
    const e1 = await chat(gateway.url, MASTER_KEY, errorRequest);
    const perRequest = calls() - before;
    const e2 = await chat(gateway.url, MASTER_KEY, errorRequest);
    assert.notEqual(e1.status, 200);
    assert.equal(e2.status, e1.status);
    assert.ok(perRequest >= 1);
    assert.equal(
      calls() - before,
      2 * perRequest,
      "an error is never cached: the second request went upstream too",
    );
    assert.equal(e2.headers.get("x-litellm-cache-hit"), null);
  });

  it("refuses malformed cache controls with a 400 naming the field, and never sends `cache` upstream", async () => {
    for (const [cache, param] of [
      [{ ttl: -1 }, "cache.ttl"],
      [{ ttl: "60" }, "cache.ttl"],
      [{ "no-cache": "yes" }, "cache.no-cache"],
      [{ namespace: "../other-tenant" }, "cache.namespace"],
      [{ api_base: "http://evil" }, "cache.api_base"],
      ["no-cache", "cache"],
    ] as const) {
      const response = await chat(gateway.url, MASTER_KEY, body(fresh(), { cache }));
      assert.equal(response.status, 400, response.text);
      const error = JSON.parse(response.text) as { error: { param: string; type: string } };
      assert.equal(error.error.param, param);
    }
    const badHeader = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${MASTER_KEY}`,
        "content-type": "application/json",
        "x-switchboard-cache": "ttl=abc",
      },
      body: JSON.stringify(body(fresh())),
    });
    assert.equal(badHeader.status, 400, await badHeader.text());
    const sent = upstream.requests.length;
    const ok = await chat(gateway.url, MASTER_KEY, body(fresh(), { cache: { ttl: 30, namespace: "n1" } }));
    assert.equal(ok.status, 200, ok.text);
    const upstreamBody = upstream.requests[sent]?.body ?? {};
    assert.equal("cache" in upstreamBody, false, "the cache controls never reach the provider");
  });
});

describe("request coalescing", () => {
  it("calls the upstream once for 100 identical concurrent requests", async () => {
    const upstream = await startSlowUpstream(300, 300);
    const gateway = await startUsageGateway({
      database: "sqlite",
      deployments: [deployment("slow", "openai", "slow", { apiBase: upstream.baseUrl, apiKey: "sk-up-123" })],
      app: { cache: cacheSettings() },
    });
    try {
      const request = { model: "slow", messages: [{ role: "user", content: fresh() }] };
      const responses = await Promise.all(
        Array.from({ length: 100 }, () => chat(gateway.url, MASTER_KEY, request)),
      );
      for (const response of responses) assert.equal(response.status, 200, response.text);
      assert.equal(upstream.completed(), 1, "one upstream call for 100 requests");
      const contents = new Set(
        responses.map((response) =>
          JSON.stringify((JSON.parse(response.text) as { choices: unknown }).choices),
        ),
      );
      assert.equal(contents.size, 1);
      const hits = responses.filter((response) => response.headers.get("x-litellm-cache-hit") === "true");
      assert.equal(hits.length, 99);
      const rows = await ledgerRows(
        gateway,
        responses.map((response) => response.headers.get("x-request-id")),
      );
      assert.equal(rows.filter((row) => row.cacheStatus === "hit").length, 99);
      assert.equal(rows.filter((row) => row.cacheStatus === "none").length, 1);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
