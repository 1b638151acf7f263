import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import { create, toBinary, toJson } from "@bufbuild/protobuf";
import { CompleteRequestSchema, Role } from "../../../gen/switchboard/v1/chat_service_pb.js";
import { type FaultUpstream, startFaultUpstream } from "../../helpers/fault-upstream.js";
import { deployment, MASTER_KEY, startTestGateway } from "../../helpers/gateway.js";
import { type Family, parsePrometheusText, total } from "../../helpers/prometheus-text.js";
import { chat, createKey, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";

const UPSTREAM_CANARY = "sk-upstream-canary-metrics-5f1e2d3c4b5a69788796";

async function scrape(url: string, key = MASTER_KEY): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, text: await response.text() };
}

describe("GET /metrics after a known mix of requests", () => {
  let upstream: FaultUpstream;
  let gateway: UsageGateway;
  let baseline: Map<string, Family>;
  let after_: Map<string, Family>;
  let text: string;
  let userKey: string;
  /** Usage and cost of the mock-gpt requests as their responses reported them. */
  const served = { input: 0, output: 0, unaryCosts: [] as number[] };

  before(async () => {
    upstream = await startFaultUpstream("openai");
    const api = { apiBase: upstream.baseUrl, apiKey: UPSTREAM_CANARY };
    gateway = await startUsageGateway({
      database: "sqlite",
      deployments: [
        deployment("mock-gpt", "mock", "fixed"),
        deployment("mock/*", "mock", "*"),
        deployment("flaky", "openai", "gpt-4o-mini", api),
        deployment("primary", "openai", "gpt-4o-mini", api),
        deployment("backup", "openai", "gpt-4o-mini", api),
      ],
      app: {
        router: {
          retryBackoffMs: 1,
          disableCooldowns: true,
          numRetries: 1,
          fallbacks: { primary: ["backup"] },
        },
        observability: { metrics: { litellmNames: true, maxModelLabels: 20 } },
      },
    });
    baseline = parsePrometheusText((await scrape(gateway.url)).text);
    const url = gateway.url;
    const ask = (model: string, extra: Record<string, unknown> = {}, key = MASTER_KEY) =>
      chat(url, key, { model, messages: [{ role: "user", content: "hi" }], ...extra });
    const record = (response: { status: number; headers: Headers; text: string }) => {
      assert.equal(response.status, 200);
      const usage = (
        JSON.parse(response.text) as { usage: { prompt_tokens: number; completion_tokens: number } }
      ).usage;
      served.input += usage.prompt_tokens;
      served.output += usage.completion_tokens;
      served.unaryCosts.push(Number(response.headers.get("x-switchboard-cost-usd")));
    };
    record(await ask("mock-gpt")); // success
    const streamed = await ask("mock-gpt", { stream: true, stream_options: { include_usage: true } });
    assert.equal(streamed.status, 200); // a stream
    const usageChunk = streamed.text
      .split("\n")
      .filter((line) => line.startsWith("data: {"))
      .map(
        (line) =>
          JSON.parse(line.slice(6)) as { usage?: { prompt_tokens: number; completion_tokens: number } },
      )
      .find((chunk) => chunk.usage != null);
    assert.ok(usageChunk?.usage, "the stream reports its usage");
    served.input += usageChunk.usage.prompt_tokens;
    served.output += usageChunk.usage.completion_tokens;
    upstream.script = [{ kind: "status", status: 503, body: '{"error":{"message":"down"}}' }];
    assert.equal((await ask("flaky")).status, 200); // upstream 5xx, then a retry succeeds
    upstream.script = [
      { kind: "status", status: 503, body: '{"error":{"message":"down"}}' },
      { kind: "status", status: 503, body: '{"error":{"message":"down"}}' },
    ];
    assert.equal((await ask("primary")).status, 200); // 5xx, retry 5xx, fallback to backup
    userKey = (await createKey(url, { rpm_limit: 1 })).key;
    record(await ask("mock-gpt", {}, userKey));
    assert.equal((await ask("mock-gpt", {}, userKey)).status, 429); // the key's rpm
    const scraped = await scrape(url);
    assert.equal(scraped.status, 200);
    text = scraped.text;
    after_ = parsePrometheusText(text);
  });

  after(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const delta = (sample: string, labels: Record<string, string> = {}) =>
    total(after_, sample, labels) - total(baseline, sample, labels);

  it("counts every request once, by surface, model group, stream and status", () => {
    const requests = "switchboard_requests_total";
    const chatSurface = { surface: "chat_completions" };
    assert.equal(delta(requests, chatSurface), 6);
    assert.equal(
      delta(requests, { ...chatSurface, model_group: "mock-gpt", stream: "false", status_class: "2xx" }),
      2,
    );
    assert.equal(delta(requests, { model_group: "mock-gpt", stream: "true", status_class: "2xx" }), 1);
    assert.equal(delta(requests, { model_group: "flaky", status_class: "2xx" }), 1);
    assert.equal(delta(requests, { model_group: "primary", status_class: "2xx" }), 1);
    assert.equal(
      delta(requests, { model_group: "mock-gpt", status_class: "4xx", error_kind: "rate_limited" }),
      1,
    );
    assert.equal(total(after_, "switchboard_requests_in_flight"), 0);
  });

  it("counts attempts, retries, fallbacks and refusals exactly", () => {
    assert.equal(delta("switchboard_retries_total", { model_group: "flaky" }), 1);
    assert.equal(delta("switchboard_retries_total", { model_group: "primary" }), 1);
    assert.equal(delta("switchboard_retries_total"), 2);
    assert.equal(delta("switchboard_fallbacks_total", { model_group: "backup", reason: "fallback" }), 1);
    assert.equal(delta("switchboard_fallbacks_total"), 1);
    assert.equal(delta("switchboard_limit_refusals_total", { kind: "rate_limited", limit: "requests" }), 1);
    const attempts = "switchboard_upstream_attempts_total";
    assert.equal(delta(attempts, { model_group: "flaky", outcome: "upstream_unavailable" }), 1);
    assert.equal(delta(attempts, { model_group: "flaky", outcome: "ok" }), 1);
    assert.equal(delta(attempts, { model_group: "primary", outcome: "upstream_unavailable" }), 2);
    assert.equal(delta(attempts, { model_group: "backup", outcome: "ok", reason: "fallback" }), 1);
    assert.equal(delta(attempts, { model_group: "mock-gpt" }), 3);
    assert.equal(delta("switchboard_upstream_latency_seconds_count"), delta(attempts));
    assert.equal(upstream.received.length, 5);
  });

  it("histograms have buckets and counts equal to requests", () => {
    assert.equal(after_.get("switchboard_request_duration_seconds")?.type, "histogram");
    assert.equal(delta("switchboard_request_duration_seconds_count"), 6);
    assert.equal(delta("switchboard_time_to_first_token_seconds_count"), 1);
    const buckets = after_
      .get("switchboard_request_duration_seconds")
      ?.samples.filter((sample) => sample.name.endsWith("_bucket"));
    assert.ok((buckets?.length ?? 0) >= 16);
  });

  it("counts tokens and cost of what was served, exactly as the responses reported them", () => {
    assert.ok(served.input > 0 && served.output > 0);
    assert.equal(delta("switchboard_tokens_total", { model_group: "mock-gpt", type: "input" }), served.input);
    assert.equal(
      delta("switchboard_tokens_total", { model_group: "mock-gpt", type: "output" }),
      served.output,
    );
    // The three mock-gpt requests are the same prompt and the same fixed reply, so each costs what a unary one
    // reported in x-switchboard-cost-usd (the stream's cost has no header: it is known after the headers).
    const [first, second] = served.unaryCosts as [number, number];
    assert.ok(first > 0);
    assert.equal(second, first);
    const cost = delta("switchboard_cost_usd_total", { model_group: "mock-gpt" });
    assert.ok(Math.abs(cost - 3 * first) <= 1e-9 * first, `cost ${cost}, want ${3 * first}`);
  });

  it("offers LiteLLM's names with the same counts, deployment state and process metrics", () => {
    assert.equal(delta("litellm_proxy_total_requests_metric_total"), 6);
    assert.equal(delta("litellm_proxy_failed_requests_metric_total", { exception_status: "429" }), 1);
    assert.equal(delta("litellm_request_total_latency_metric_count"), 6);
    assert.equal(delta("litellm_deployment_failure_responses_total", { exception_status: "503" }), 3);
    assert.equal(after_.get("litellm_deployment_state")?.samples.length, 5);
    assert.equal(total(after_, "switchboard_deployment_state"), 0); // cooldowns disabled: all healthy
    assert.ok(after_.has("process_cpu_user_seconds_total"));
    assert.ok(after_.has("nodejs_eventloop_lag_seconds"));
  });

  it("never shows a secret: master key, virtual key, upstream credential", () => {
    for (const secret of [MASTER_KEY, userKey, UPSTREAM_CANARY]) assert.ok(!text.includes(secret));
  });

  it("requires the master key by default: none → 401, a user key → 403", async () => {
    assert.equal((await fetch(`${gateway.url}/metrics`)).status, 401);
    assert.equal((await scrape(gateway.url, userKey)).status, 403);
  });

  it("bounds the model label: 1,000 distinct model names do not grow it past the cap", async () => {
    for (let i = 0; i < 1000; i++) {
      const name = i % 2 === 0 ? `mock/bogus-${i}` : `no-such-model-${i}`;
      await chat(gateway.url, MASTER_KEY, { model: name, messages: [{ role: "user", content: "x" }] });
    }
    await chat(gateway.url, MASTER_KEY, {
      model: `mock/${UPSTREAM_CANARY}`,
      messages: [{ role: "user", content: "x" }],
    });
    const families = parsePrometheusText((await scrape(gateway.url)).text);
    const groups = new Set(
      families.get("switchboard_requests_total")?.samples.map((s) => s.labels["model_group"]),
    );
    assert.ok(groups.size <= 21, `model_group values: ${groups.size}`);
    const models = new Set(
      families.get("litellm_request_total_latency_metric")?.samples.map((s) => s.labels["model"]),
    );
    assert.ok(models.size <= 22, `model values: ${models.size}`);
    assert.ok(models.has("other"));
    assert.ok(!(await scrape(gateway.url)).text.includes(UPSTREAM_CANARY));
  });
});

describe("metrics_auth: none", () => {
  it("serves /metrics without a key; metrics: false has no route", async () => {
    const open = await startUsageGateway({
      database: "sqlite",
      app: { observability: { metrics: { auth: "none" } } },
    });
    const off = await startUsageGateway({ database: "sqlite", app: { observability: { metrics: false } } });
    try {
      const response = await fetch(`${open.url}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      parsePrometheusText(await response.text());
      assert.equal((await scrape(off.url)).status, 404);
    } finally {
      await open.close();
      await off.close();
    }
  });
});

describe("ChatService.Complete is counted with surface rpc on every path", () => {
  it("gRPC and Connect on the unary fast path and Connect through the adapter: 3 rpc requests, none other", async () => {
    const app = await startTestGateway([deployment("mock-gpt", "mock", "fixed")]);
    const session = http2.connect(app.url);
    try {
      const before = parsePrometheusText((await scrape(app.url)).text);
      const message = create(CompleteRequestSchema, {
        request: {
          model: "mock-gpt",
          messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "Hi" } }] }],
        },
      });
      // gRPC over h2: served by src/connect/unary-fast-path.ts.
      const grpcStatus = await new Promise<string | undefined>((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": "/switchboard.v1.ChatService/Complete",
          "content-type": "application/grpc",
          te: "trailers",
          authorization: `Bearer ${MASTER_KEY}`,
        });
        let status: string | undefined;
        stream.on("trailers", (trailers) => {
          status = String(trailers["grpc-status"]);
        });
        stream.on("data", () => undefined);
        stream.on("end", () => resolve(status));
        stream.on("error", reject);
        const bytes = toBinary(CompleteRequestSchema, message);
        const framed = Buffer.alloc(5 + bytes.length);
        framed.writeUInt32BE(bytes.length, 1);
        framed.set(bytes, 5);
        stream.end(framed);
      });
      assert.equal(grpcStatus, "0");
      // Connect JSON: the fast path, then the adapter (a query string makes the fast path step aside).
      for (const path of ["", "?via=adapter"]) {
        const response = await fetch(`${app.url}/switchboard.v1.ChatService/Complete${path}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "connect-protocol-version": "1",
            authorization: `Bearer ${MASTER_KEY}`,
          },
          body: JSON.stringify(toJson(CompleteRequestSchema, message)),
        });
        assert.equal(response.status, 200, await response.text());
      }
      const after = parsePrometheusText((await scrape(app.url)).text);
      const delta = (labels: Record<string, string>) =>
        total(after, "switchboard_requests_total", labels) -
        total(before, "switchboard_requests_total", labels);
      assert.equal(
        delta({ surface: "rpc", model_group: "mock-gpt", stream: "false", status_class: "2xx" }),
        3,
      );
      assert.equal(delta({ surface: "other" }), 0);
      assert.equal(delta({}), 3);
    } finally {
      session.close();
      await app.close(100);
    }
  });
});
