import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createSwitchboardClient, Role } from "../../clients/typescript/src/index.js";
import { type FakeOpenAIUpstream, startFakeOpenAI } from "../helpers/fake-openai-upstream.js";
import { MASTER_KEY, standardDeployments, startTestGateway } from "../helpers/gateway.js";

/**
 * A caller that leaves mid-stream must not keep an upstream generation (and its bill) running: the upstream
 * connection is closed within a second. The time is measured from the client's abort to the fake upstream's
 * 'close' event, both in this process (performance.now()).
 */
describe("client disconnect aborts the upstream request", () => {
  let upstream: FakeOpenAIUpstream;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;

  before(async () => {
    upstream = await startFakeOpenAI();
    gateway = await startTestGateway(standardDeployments(upstream.baseUrl));
  });
  after(async () => {
    await gateway.close(100);
    await upstream.close();
  });

  it("REST: dropping the SSE response closes the upstream connection within a second", async (t) => {
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({
        model: "fixture/hang-stream",
        stream: true,
        messages: [{ role: "user", content: "x" }],
      }),
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    const reader = response.body?.getReader();
    const first = await reader?.read();
    assert.match(new TextDecoder().decode(first?.value), /"content":"first"/);
    const abortedAt = performance.now();
    controller.abort();
    const closedAt = await upstream.streamClosed;
    const elapsed = closedAt - abortedAt;
    t.diagnostic(`upstream closed ${elapsed.toFixed(2)} ms after the client left`);
    assert.ok(elapsed < 1000, `upstream closed ${elapsed.toFixed(1)} ms after the client left`);
  });
});

describe("Connect cancel aborts the upstream request", () => {
  let upstream: FakeOpenAIUpstream;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;

  before(async () => {
    upstream = await startFakeOpenAI();
    gateway = await startTestGateway(standardDeployments(upstream.baseUrl));
  });
  after(async () => {
    await gateway.close(100);
    await upstream.close();
  });

  it("gRPC: cancelling the stream closes the upstream connection within a second", async (t) => {
    const { chat } = createSwitchboardClient({ baseUrl: gateway.url, apiKey: MASTER_KEY, protocol: "grpc" });
    const controller = new AbortController();
    const stream = chat.stream(
      {
        request: {
          model: "fixture/hang-stream",
          messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "x" } }] }],
        },
      },
      { signal: controller.signal },
    );
    let abortedAt = 0;
    await assert.rejects(async () => {
      for await (const event of stream) {
        if (event.event.case === "textDelta") {
          abortedAt = performance.now();
          controller.abort();
        }
      }
    });
    const closedAt = await upstream.streamClosed;
    assert.ok(abortedAt > 0, "a text delta arrived before the cancel");
    const elapsed = closedAt - abortedAt;
    t.diagnostic(`upstream closed ${elapsed.toFixed(2)} ms after the cancel`);
    assert.ok(elapsed < 1000, `upstream closed ${elapsed.toFixed(1)} ms after the cancel`);
  });
});
