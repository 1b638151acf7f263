import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, toJson } from "@bufbuild/protobuf";
import { CompleteRequestSchema, Role } from "../../../gen/switchboard/v1/chat_service_pb.js";
import type { App } from "../../../src/app.js";
import { type FakeReceiver, startFakeReceiver } from "../../helpers/fake-receiver.js";
import { type FaultUpstream, startFaultUpstream } from "../../helpers/fault-upstream.js";
import { deployment, MASTER_KEY, startTestGateway } from "../../helpers/gateway.js";

const UPSTREAM_CANARY = "sk-upstream-canary-tracing-0a1b2c3d4e5f60718293";
const CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";
const RPC_TRACE = "0af7651916cd43dd8448eb211c80319c";

/** An OTLP/JSON span as the collector decodes it (ids are hex in OTLP/JSON). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number; message?: string };
}

function spansOf(collector: FakeReceiver): OtlpSpan[] {
  const spans: OtlpSpan[] = [];
  for (const request of collector.received) {
    assert.equal(request.path, "/v1/traces");
    assert.match(String(request.headers["content-type"]), /application\/json/);
    const body = request.body as {
      resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
    };
    for (const resource of body.resourceSpans)
      for (const scope of resource.scopeSpans) spans.push(...scope.spans);
  }
  return spans;
}

function attribute(span: OtlpSpan, key: string): unknown {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  if (value === undefined) return undefined;
  if ("stringValue" in value) return value.stringValue;
  if ("intValue" in value) return Number(value.intValue);
  if ("doubleValue" in value) return value.doubleValue;
  if ("boolValue" in value) return value.boolValue;
  if ("arrayValue" in value)
    return ((value.arrayValue as { values?: { stringValue?: string }[] }).values ?? []).map(
      (item) => item.stringValue,
    );
  return value;
}

describe("OpenTelemetry traces to an OTLP/HTTP collector", () => {
  let collector: FakeReceiver;
  let upstream: FaultUpstream;
  let app: App;
  let spans: OtlpSpan[];
  let upstreamTraceparents: (string | undefined)[];
  const saved = { ...process.env };

  before(async () => {
    collector = await startFakeReceiver();
    upstream = await startFaultUpstream("openai");
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.url;
    process.env.OTEL_SERVICE_NAME = "switchboard-test";
    const api = { apiBase: upstream.baseUrl, apiKey: UPSTREAM_CANARY };
    app = await startTestGateway(
      [
        deployment("mock-gpt", "mock", "fixed"),
        deployment("primary", "openai", "gpt-4o-mini", api),
        deployment("backup", "openai", "gpt-4o-mini", api),
      ],
      {
        router: {
          retryBackoffMs: 1,
          disableCooldowns: true,
          numRetries: 1,
          fallbacks: { primary: ["backup"] },
        },
        observability: { followers: { tracing: { requestedByConfig: false, captureContent: false } } },
      },
    );
    // 503, the retry 503, then the fallback group answers.
    upstream.script = [
      { kind: "status", status: 503, body: `{"error":{"message":"down, key ${UPSTREAM_CANARY}"}}` },
      { kind: "status", status: 503, body: '{"error":{"message":"down"}}' },
    ];
    const response = await fetch(`${app.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${MASTER_KEY}`,
        "content-type": "application/json",
        traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
      },
      body: JSON.stringify({ model: "primary", messages: [{ role: "user", content: "hello" }] }),
    });
    assert.equal(response.status, 200, await response.text());
    upstreamTraceparents = upstream.received.map((entry) => entry.traceparent);
    // RPC (Connect JSON): the caller's traceparent is honoured on that surface too.
    const message = create(CompleteRequestSchema, {
      request: {
        model: "mock-gpt",
        messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "Hi" } }] }],
      },
    });
    for (const path of ["", "?via=adapter"]) {
      const rpc = await fetch(`${app.url}/switchboard.v1.ChatService/Complete${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "connect-protocol-version": "1",
          authorization: `Bearer ${MASTER_KEY}`,
          traceparent: `00-${RPC_TRACE}-${CALLER_SPAN}-01`,
        },
        body: JSON.stringify(toJson(CompleteRequestSchema, message)),
      });
      assert.equal(rpc.status, 200, await rpc.text());
    }
    // A hostile traceparent (bad version, bad length, junk) starts a new trace instead.
    const hostile = await fetch(`${app.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${MASTER_KEY}`,
        "content-type": "application/json",
        traceparent: `ff-${"0".repeat(32)}-${CALLER_SPAN}-01\r\nx-evil: 1`.replace("\r\n", " "),
      },
      body: JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content: "hostile" }] }),
    });
    assert.equal(hostile.status, 200);
    // Closing flushes the batch processor.
    await app.close(1_000);
    spans = spansOf(collector);
  });

  after(async () => {
    process.env = saved;
    await upstream?.close();
    await collector?.close();
  });

  it("exports a SERVER span per request, child of the caller's traceparent, with GenAI attributes", () => {
    const server = spans.filter((span) => span.traceId === CALLER_TRACE && span.kind === 2);
    assert.equal(server.length, 1, JSON.stringify(spans.map((span) => span.name)));
    const root = server[0];
    assert.ok(root);
    assert.equal(root.parentSpanId, CALLER_SPAN);
    assert.equal(root.name, "chat primary");
    assert.equal(attribute(root, "gen_ai.operation.name"), "chat");
    assert.equal(attribute(root, "gen_ai.request.model"), "primary");
    assert.equal(attribute(root, "gen_ai.system"), "openai");
    assert.equal(typeof attribute(root, "gen_ai.response.model"), "string");
    assert.ok(Number(attribute(root, "gen_ai.usage.input_tokens")) > 0);
    assert.ok(Number(attribute(root, "gen_ai.usage.output_tokens")) > 0);
    assert.deepEqual(attribute(root, "gen_ai.response.finish_reasons"), ["stop"]);
    assert.equal(attribute(root, "switchboard.deployment"), "backup#openai");
    assert.equal(attribute(root, "switchboard.attempts"), 3);
    // Content capture is off: no messages on any span.
    for (const span of spans) assert.equal(attribute(span, "gen_ai.input.messages"), undefined);
  });

  it("exports one CLIENT span per attempt: the primary, its retry and the fallback, under the request span", () => {
    const root = spans.find((span) => span.traceId === CALLER_TRACE && span.kind === 2);
    assert.ok(root);
    const attempts = spans
      .filter((span) => span.traceId === CALLER_TRACE && span.kind === 3)
      .sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
    assert.deepEqual(
      attempts.map((span) => attribute(span, "switchboard.attempt.reason")),
      ["primary", "retry", "fallback"],
    );
    for (const span of attempts) {
      assert.equal(span.parentSpanId, root.spanId);
      assert.equal(attribute(span, "gen_ai.system"), "openai");
      assert.equal(attribute(span, "gen_ai.request.model"), "gpt-4o-mini");
      assert.ok(BigInt(span.endTimeUnixNano) >= BigInt(span.startTimeUnixNano));
      assert.ok(BigInt(span.startTimeUnixNano) >= BigInt(root.startTimeUnixNano));
    }
    assert.deepEqual(
      attempts.map((span) => attribute(span, "switchboard.attempt.outcome")),
      ["upstream_unavailable", "upstream_unavailable", "ok"],
    );
    assert.equal(attempts[0]?.status?.code, 2);
    assert.equal(attribute(attempts[0] as OtlpSpan, "error.type"), "upstream_unavailable");
    assert.deepEqual(
      attempts.map((span) => attribute(span, "switchboard.model_group")),
      ["primary", "primary", "backup"],
    );
  });

  it("propagates the request span's traceparent to every upstream call", () => {
    const root = spans.find((span) => span.traceId === CALLER_TRACE && span.kind === 2);
    assert.ok(root);
    assert.deepEqual(upstreamTraceparents, [
      `00-${CALLER_TRACE}-${root.spanId}-01`,
      `00-${CALLER_TRACE}-${root.spanId}-01`,
      `00-${CALLER_TRACE}-${root.spanId}-01`,
    ]);
  });

  it("honours traceparent on the RPC surface (fast path and adapter)", () => {
    const rpc = spans.filter((span) => span.traceId === RPC_TRACE && span.kind === 2);
    assert.equal(rpc.length, 2);
    for (const span of rpc) {
      assert.equal(span.parentSpanId, CALLER_SPAN);
      assert.equal(attribute(span, "switchboard.surface"), "rpc");
    }
  });

  it("starts a new trace for an invalid traceparent", () => {
    const hostile = spans.filter(
      (span) => span.kind === 2 && span.traceId !== CALLER_TRACE && span.traceId !== RPC_TRACE,
    );
    assert.equal(hostile.length, 1);
    assert.equal(hostile[0]?.parentSpanId ?? "", "");
  });

  it("never exports a secret", () => {
    const text = JSON.stringify(collector.received.map((request) => request.body));
    assert.ok(!text.includes(UPSTREAM_CANARY));
    assert.ok(!text.includes(MASTER_KEY));
  });
});

describe("traces of a stream, with content capture on", () => {
  const PROMPT_CANARY = "sk-proj-tracecanary0123456789abcdefABCDEF";
  let collector: FakeReceiver;
  let app: App;
  let spans: OtlpSpan[];
  const saved = { ...process.env };

  before(async () => {
    collector = await startFakeReceiver();
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `${collector.url}/v1/traces`;
    app = await startTestGateway([deployment("mock-gpt", "mock", "fixed")], {
      observability: { followers: { tracing: { requestedByConfig: true, captureContent: true } } },
    });
    const response = await fetch(`${app.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "mock-gpt",
        stream: true,
        messages: [{ role: "user", content: `my key is ${PROMPT_CANARY}` }],
      }),
    });
    assert.equal(response.status, 200);
    await response.text();
    await app.close(1_000);
    spans = spansOf(collector);
  });

  after(async () => {
    process.env = saved;
    await collector?.close();
  });

  it("records the stream's finish reasons, usage and time to first token", () => {
    const root = spans.find((span) => span.kind === 2);
    assert.ok(root);
    assert.equal(attribute(root, "switchboard.stream"), true);
    assert.deepEqual(attribute(root, "gen_ai.response.finish_reasons"), ["stop"]);
    assert.ok(Number(attribute(root, "gen_ai.usage.output_tokens")) > 0);
    assert.ok(Number(attribute(root, "switchboard.time_to_first_token_ms")) >= 0);
  });

  it("captures the prompt only when enabled, with secrets scrubbed", () => {
    const root = spans.find((span) => span.kind === 2);
    assert.ok(root);
    const input = String(attribute(root, "gen_ai.input.messages"));
    assert.match(input, /my key is \[redacted\]/);
    assert.ok(!JSON.stringify(collector.received.map((request) => request.body)).includes(PROMPT_CANARY));
  });
});
