import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { App } from "../../../src/app.js";
import { LoggingCallbacks } from "../../../src/observability/callbacks/logging-callbacks.js";
import { GenericApiSink, LangfuseSink } from "../../../src/observability/callbacks/sinks.js";
import { registerSecrets } from "../../../src/shared/secret-scrubber.js";
import { type FakeReceiver, startFakeReceiver, waitFor } from "../../helpers/fake-receiver.js";
import { deployment, MASTER_KEY, startTestGateway } from "../../helpers/gateway.js";
import { parsePrometheusText, total } from "../../helpers/prometheus-text.js";

const LANGFUSE_SECRET = "sk-lf-canary-secret-8d7c6b5a4f3e2d1c0b9a";
const WEBHOOK_TOKEN = "whk-canary-token-1f2e3d4c5b6a79880716";
/** A credential a caller pastes into a prompt: logged messages must not carry it. */
const PROMPT_CANARY = "sk-proj-promptcanary0123456789abcdefABCDEF";

function ask(app: App, requestId: string, content = "hello"): Promise<Response> {
  return fetch(`${app.url}/v1/chat/completions`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${MASTER_KEY}`,
      "content-type": "application/json",
      "x-request-id": requestId,
    },
    body: JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content }] }),
  });
}

/** The caller's x-request-id inside the gateway's request id (`<caller id>.<12 hex>`, unique per request). */
function callerId(requestId: string): string {
  return requestId.replace(/\.[0-9a-f]{12}$/, "");
}

/** Request ids in the Langfuse generation events and webhook payloads received so far. */
function langfuseIds(receiver: FakeReceiver): string[] {
  return receiver.received.flatMap((request) =>
    (request.body as { batch: { type: string; body: { metadata: { request_id: string } } }[] }).batch
      .filter((event) => event.type === "generation-create")
      .map((event) => callerId(event.body.metadata.request_id)),
  );
}

function webhookIds(receiver: FakeReceiver): string[] {
  return receiver.received.flatMap((request) =>
    (request.body as { request_id: string }[]).map((payload) => callerId(payload.request_id)),
  );
}

describe("logging callbacks: Langfuse ingestion and a generic webhook", () => {
  let langfuse: FakeReceiver;
  let webhook: FakeReceiver;
  let app: App;
  let callbacks: LoggingCallbacks | undefined;

  before(async () => {
    registerSecrets([LANGFUSE_SECRET, WEBHOOK_TOKEN]);
    langfuse = await startFakeReceiver();
    webhook = await startFakeReceiver();
    app = await startTestGateway([deployment("mock-gpt", "mock", "fixed")], {
      observability: {
        followers: {
          callbacks: {
            logMessages: true,
            queue: { flushIntervalMs: 30, batchSize: 10, baseBackoffMs: 20, maxBackoffMs: 60, maxQueue: 5 },
            routes: [
              {
                sink: new LangfuseSink({
                  publicKey: "pk-lf-test",
                  secretKey: LANGFUSE_SECRET,
                  host: langfuse.url,
                }),
                onSuccess: true,
                onFailure: true,
              },
              {
                sink: new GenericApiSink({
                  endpoint: `${webhook.url}/hook`,
                  headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` },
                }),
                onSuccess: true,
                onFailure: false,
              },
            ],
          },
        },
      },
    });
  });

  after(async () => {
    await app?.close(500);
    await callbacks?.close(100);
    await langfuse?.close();
    await webhook?.close();
  });

  it("delivers every request once, batched, with basic auth and the standard payload", async () => {
    const ids = ["cb-1", "cb-2", "cb-3", "cb-4"];
    const responses = await Promise.all(ids.map((id) => ask(app, id, `hello ${PROMPT_CANARY}`)));
    for (const response of responses) assert.equal(response.status, 200);
    await waitFor(
      () => langfuseIds(langfuse).length >= 4 && webhookIds(webhook).length >= 4,
      5_000,
      "deliveries",
    );
    assert.deepEqual(langfuseIds(langfuse).sort(), ids);
    assert.deepEqual(webhookIds(webhook).sort(), ids);
    assert.ok(langfuse.received.length < 4, "Langfuse got the four requests in fewer POSTs");
    const first = langfuse.received[0];
    assert.ok(first);
    assert.equal(first.path, "/api/public/ingestion");
    assert.equal(
      first.headers.authorization,
      `Basic ${Buffer.from(`pk-lf-test:${LANGFUSE_SECRET}`).toString("base64")}`,
    );
    assert.equal(webhook.received[0]?.path, "/hook");
    assert.equal(webhook.received[0]?.headers.authorization, `Bearer ${WEBHOOK_TOKEN}`);
    const payloads = webhook.received[0]?.body as Record<string, unknown>[] | undefined;
    const payload = payloads?.[0] ?? {};
    assert.equal(payload.status, "success");
    assert.equal(payload.requested_model, "mock-gpt");
    assert.equal(payload.model_id, "mock-gpt#mock");
    assert.equal(payload.api_provider, "mock");
    assert.ok(Number(payload.total_tokens) > 0);
    assert.equal((payload.metadata as Record<string, unknown>).user_api_key_id, "master");
    assert.ok(Array.isArray(payload.messages), "message logging is on here");
    const events = langfuse.received.flatMap(
      (request) => (request.body as { batch: { type: string }[] }).batch,
    );
    assert.equal(events.filter((event) => event.type === "trace-create").length, 4);
  });

  it("never puts a secret in a payload (prompt canary, master key, callback credentials)", () => {
    const text = JSON.stringify([...langfuse.received, ...webhook.received].map((request) => request.body));
    for (const canary of [PROMPT_CANARY, MASTER_KEY, LANGFUSE_SECRET, WEBHOOK_TOKEN])
      assert.ok(!text.includes(canary), `payloads hold ${canary.slice(0, 8)}…`);
    assert.ok(
      text.includes("[redacted]"),
      "the prompt's credential was scrubbed, not dropped with the message",
    );
  });

  it("with the receiver down then back: nothing lost up to the bound, the rest dropped and counted", async () => {
    const deliveredBefore = langfuseIds(langfuse).length;
    langfuse.status = 503;
    const ids = Array.from({ length: 8 }, (_, index) => `down-${index}`);
    for (const id of ids) assert.equal((await ask(app, id)).status, 200);
    // Let the queue try (and fail) a few times while down.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(langfuseIds(langfuse).length, deliveredBefore);
    langfuse.status = 200;
    await waitFor(() => langfuseIds(langfuse).length >= deliveredBefore + 5, 15_000, "redelivery");
    await new Promise((resolve) => setTimeout(resolve, 150));
    const delivered = langfuseIds(langfuse).slice(deliveredBefore);
    // The newest five survive (oldest dropped first); each arrives exactly once.
    assert.deepEqual([...delivered].sort(), ids.slice(3).sort());
    const metrics = parsePrometheusText(
      await (
        await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })
      ).text(),
    );
    assert.equal(
      total(metrics, "switchboard_callback_events_total", { callback: "langfuse", outcome: "dropped" }),
      3,
    );
    assert.equal(
      total(metrics, "switchboard_callback_events_total", { callback: "langfuse", outcome: "delivered" }),
      9,
    );
    // The webhook, never down, got all twelve.
    await waitFor(() => webhookIds(webhook).length >= 12, 15_000, "webhook");
    assert.equal(new Set(webhookIds(webhook)).size, 12);
  });

  it("flushes what is queued on close (SIGTERM), with messages off when message logging is off", async () => {
    const receiver = await startFakeReceiver();
    callbacks = new LoggingCallbacks(
      [
        {
          sink: new GenericApiSink({ endpoint: receiver.url, headers: {} }),
          onSuccess: true,
          onFailure: true,
        },
      ],
      { logMessages: false, queue: { flushIntervalMs: 60_000, batchSize: 100 } },
    );
    const start = {
      surface: "chat_completions" as const,
      stream: false,
      requestId: "flush-1",
      principal: { keyId: "k1", role: "user" as const, display: "sk-…abcd" },
      request: { model: "m", messages: [{ role: "user" as const, content: "secret prompt" }] },
      startedAt: performance.now(),
    };
    callbacks.scope(start, undefined).onEnd({
      surface: "chat_completions",
      stream: false,
      modelGroup: "m",
      startedAt: start.startedAt,
      endedAt: performance.now(),
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(receiver.received.length, 0, "the timer has not fired yet");
    await callbacks.close(2_000);
    assert.equal(receiver.received.length, 1);
    const payload = (receiver.received[0]?.body as Record<string, unknown>[] | undefined)?.[0];
    assert.equal(payload?.request_id, "flush-1");
    assert.equal(payload?.messages, undefined, "turn_off_message_logging: no messages");
    await receiver.close();
  });
});
