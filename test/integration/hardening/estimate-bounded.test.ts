// #11 defect 5 (GUARDS 15a): usage the gateway estimates is capped by what the request could produce, flagged as
// estimated, and what the caller is told equals the ledger row — REST SSE (include_usage), Connect streams, unary.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createSwitchboardClient, Role } from "../../../clients/typescript/src/index.js";
import type { Deployment } from "../../../src/core/types/deployment.js";
import type { UsageRecord } from "../../../src/usage/usage-record.js";
import { deployment } from "../../helpers/gateway.js";
import { createKey, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";

/** Text the upstream streams: 2 MiB in 512 chunks (≈ 524k tokens at 4 bytes a token), and never any usage. */
const CHUNKS = 512;
const CHUNK_TEXT = "All work and no play makes a very long stream. ".repeat(86).slice(0, 4096);
const INPUT_PER_TOKEN = 1e-6;
const OUTPUT_PER_TOKEN = 2e-6;

/**
 * An OpenAI-compatible upstream (chat.completion.chunk SSE, as in test/fixtures/conformance/openai/*.sse) that
 * ignores `stream_options.include_usage`: it streams a lot of text and ends without a usage chunk. Unary answers
 * carry no `usage` object either.
 */
async function startSilentTalker(): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server: Server = createServer(async (request, response) => {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    const body = JSON.parse(Buffer.concat(parts).toString("utf8")) as { model: string; stream?: boolean };
    const base = { id: "chatcmpl-talker", created: 1_700_000_000, model: body.model };
    if (body.stream !== true) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          ...base,
          object: "chat.completion",
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: CHUNK_TEXT.repeat(64) },
              finish_reason: "stop",
            },
          ],
        }),
      );
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream" });
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    response.write(chunk({ role: "assistant", content: "" }, null));
    for (let index = 0; index < CHUNKS; index++) {
      if (!response.write(chunk({ content: CHUNK_TEXT }, null))) await once(response, "drain");
    }
    response.write(chunk({}, "stop"));
    response.end("data: [DONE]\n\n");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function talker(name: string, baseUrl: string, info: Partial<Deployment["info"]>): Deployment {
  const base = deployment(name, "openai", `${name}-model`, { apiBase: baseUrl, apiKey: "sk-upstream-test" });
  return {
    ...base,
    info: { inputCostPerToken: INPUT_PER_TOKEN, outputCostPerToken: OUTPUT_PER_TOKEN, ...info, extra: {} },
  };
}

const MESSAGES = [{ role: "user", content: "Tell me everything." }];

async function ledgerRow(gateway: UsageGateway, requestId: string): Promise<UsageRecord> {
  await gateway.usage.ledger.flush();
  const rows = (await gateway.usage.store.query({}, undefined, 100)).filter(
    (row) => row.requestId === requestId,
  );
  assert.equal(rows.length, 1, `one ledger row for ${requestId}`);
  return rows[0] as UsageRecord;
}

/** The REST SSE stream's usage chunk (include_usage) and the request id. */
async function restStream(
  gateway: UsageGateway,
  key: string,
  body: Record<string, unknown>,
): Promise<{ requestId: string; usage: Record<string, unknown>; contentBytes: number }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
  });
  assert.equal(response.status, 200);
  const text = await response.text();
  assert.ok(text.trimEnd().endsWith("data: [DONE]"), "the stream completes");
  let usage: Record<string, unknown> | undefined;
  let contentBytes = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("data: {")) continue;
    const chunk = JSON.parse(line.slice(6)) as {
      usage?: Record<string, unknown> | null;
      choices: { delta?: { content?: string } }[];
    };
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) contentBytes += Buffer.byteLength(choice.delta?.content ?? "");
  }
  assert.ok(usage !== undefined, "the usage chunk came");
  return { requestId: response.headers.get("x-request-id") ?? "", usage, contentBytes };
}

describe("estimated usage is bounded, flagged, and the caller's usage equals the ledger (#11 defect 5)", () => {
  let upstream: Awaited<ReturnType<typeof startSilentTalker>>;
  let gateway: UsageGateway;
  let key: string;

  before(async () => {
    upstream = await startSilentTalker();
    gateway = await startUsageGateway({
      database: "sqlite",
      deployments: [
        talker("talker-limited", upstream.baseUrl, { maxOutputTokens: 1_000 }),
        talker("talker-unknown", upstream.baseUrl, {}),
      ],
    });
    ({ key } = await createKey(gateway.url, { max_budget: 100 }));
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  const cases: { name: string; model: string; maxTokens?: number; cap: number }[] = [
    { name: "max_tokens caps it", model: "talker-limited", maxTokens: 100, cap: 100 },
    { name: "else the model's output limit (model_info)", model: "talker-limited", cap: 1_000 },
    { name: "else the documented default cap (4,096)", model: "talker-unknown", cap: 4_096 },
  ];
  for (const testCase of cases) {
    it(`REST SSE: ${testCase.name}; the usage chunk equals the ledger row`, async () => {
      const { requestId, usage, contentBytes } = await restStream(gateway, key, {
        model: testCase.model,
        messages: MESSAGES,
        ...(testCase.maxTokens !== undefined ? { max_tokens: testCase.maxTokens } : {}),
      });
      assert.equal(contentBytes, CHUNKS * CHUNK_TEXT.length, "all 2 MiB reached the caller");
      assert.equal(usage["completion_tokens"], testCase.cap, "billed at the cap, not ~524k estimated tokens");
      assert.equal(usage["estimated"], true, "flagged to the caller");
      const row = await ledgerRow(gateway, requestId);
      assert.equal(row.usageEstimated, true, "flagged in the ledger");
      assert.equal(row.completionTokens, usage["completion_tokens"]);
      assert.equal(row.promptTokens, usage["prompt_tokens"]);
      assert.equal(row.totalTokens, usage["total_tokens"]);
      assert.ok(row.promptTokens > 0 && row.promptTokens < 64, `prompt estimate ${row.promptTokens}`);
      assert.equal(row.costUsd, usage["cost"], "the caller's cost is the ledger's cost");
      assert.ok(
        (row.costUsd ?? Number.POSITIVE_INFINITY) <=
          testCase.cap * OUTPUT_PER_TOKEN + row.promptTokens * INPUT_PER_TOKEN + 1e-12,
      );
    });
  }

  it("a caller that leaves mid-stream is billed a bounded, flagged estimate of what it was sent", async () => {
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "talker-limited", messages: MESSAGES, stream: true }),
      signal: controller.signal,
    });
    const requestId = response.headers.get("x-request-id") ?? "";
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    while (received < 64 * 1024) {
      const { value, done } = await reader.read();
      if (done) break;
      received += value.length;
    }
    controller.abort();
    let row: UsageRecord | undefined;
    for (let waited = 0; row === undefined && waited < 10_000; waited += 100) {
      await gateway.usage.ledger.flush();
      row = (await gateway.usage.store.query({}, undefined, 100)).find(
        (each) => each.requestId === requestId,
      );
      if (row === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(row !== undefined, "the cut stream has its row");
    assert.equal(row.usageEstimated, true);
    assert.ok(row.completionTokens > 0, "what was generated is billed");
    assert.ok(row.completionTokens <= 1_000, `capped at the model's output limit: ${row.completionTokens}`);
  });

  it("Connect stream: the usage event is flagged and equals the ledger row", async () => {
    const { chat } = createSwitchboardClient({ baseUrl: gateway.url, apiKey: key });
    const messages = [
      { role: Role.USER, content: [{ part: { case: "text" as const, value: "Tell me everything." } }] },
    ];
    let usage:
      | { completionTokens: bigint; promptTokens: bigint; costUsd?: number; estimated: boolean }
      | undefined;
    let id = "";
    for await (const event of chat.stream({
      request: { model: "talker-limited", messages, maxTokens: 250 },
    })) {
      if (event.event.case === "usage") usage = event.event.value;
      id = event.id;
    }
    assert.ok(usage !== undefined, "the usage event came");
    assert.equal(usage.estimated, true);
    assert.equal(usage.completionTokens, 250n);
    await gateway.usage.ledger.flush();
    const rows = (await gateway.usage.store.query({ modelGroup: "talker-limited" }, undefined, 100)).filter(
      (row) => row.completionTokens === 250,
    );
    assert.equal(rows.length, 1, `one ledger row for the Connect stream ${id}`);
    const row = rows[0] as UsageRecord;
    assert.equal(row.usageEstimated, true);
    assert.equal(BigInt(row.promptTokens), usage.promptTokens);
    assert.equal(row.costUsd, usage.costUsd);
  });

  it("unary without usage: the response's usage is the bounded, flagged estimate the ledger records", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "talker-limited", messages: MESSAGES, max_tokens: 300 }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-switchboard-usage-estimated"), "true");
    const body = (await response.json()) as { usage: Record<string, unknown> };
    assert.equal(body.usage["completion_tokens"], 300);
    assert.equal(body.usage["estimated"], true);
    const row = await ledgerRow(gateway, response.headers.get("x-request-id") ?? "");
    assert.equal(row.completionTokens, 300);
    assert.equal(row.promptTokens, body.usage["prompt_tokens"]);
    assert.equal(row.costUsd, body.usage["cost"]);
    assert.equal(row.usageEstimated, true);
  });
});
