import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Deployment } from "../../../src/core/types/deployment.js";
import type { RouterOptions } from "../../../src/router/router.js";
import {
  anthropicOverloadedBody,
  type Fault,
  type FaultUpstream,
  refusedBaseUrl,
  startFaultUpstream,
} from "../../helpers/fault-upstream.js";
import { deployment, startTestGateway } from "../../helpers/gateway.js";

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function upstream(flavour: "openai" | "anthropic" = "openai", otherwise: Fault = { kind: "ok" }) {
  const fake = await startFaultUpstream(flavour, otherwise);
  cleanups.push(() => fake.close());
  return fake;
}

async function gateway(deployments: Deployment[], router: Partial<RouterOptions> = {}): Promise<Gateway> {
  const app = await startTestGateway(deployments, {
    // random → 0 makes simple-shuffle take the first candidate: attempt order is deterministic.
    router: { retryBackoffMs: 1, random: () => 0, ...router },
  });
  cleanups.push(() => app.close(100));
  return app;
}

function openai(
  name: string,
  fake: FaultUpstream | string,
  params: Partial<Deployment["params"]> = {},
): Deployment {
  const apiBase = typeof fake === "string" ? fake : fake.baseUrl;
  return deployment(
    name.split("#")[0] ?? name,
    "openai",
    "gpt-4.1-nano",
    { apiBase, apiKey: "sk-test", ...params },
    name,
  );
}

async function chat(app: Gateway, model: string, extra: Record<string, unknown> = {}) {
  const response = await fetch(`${app.url}/v1/chat/completions`, {
    method: "POST",
    headers: app.headers,
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Hello" }], ...extra }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : {},
    text,
    log: response.headers.get("x-switchboard-attempt-log"),
  };
}

const serverError: Fault = { kind: "status", status: 500, body: "Internal Server Error" };
const unavailable: Fault = { kind: "status", status: 503, body: "upstream connect error" };

describe("router against scripted upstream faults", () => {
  it("429 with Retry-After: waits at least that long, then retries the same single deployment", async () => {
    const fake = await upstream();
    fake.script.push({
      kind: "status",
      status: 429,
      headers: { "retry-after": "1", "retry-after-ms": "300" },
      body: JSON.stringify({
        error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" },
      }),
    });
    const app = await gateway([openai("solo#a", fake)], { numRetries: 1 });
    const result = await chat(app, "solo");
    assert.equal(result.status, 200);
    assert.equal(result.log, "solo#a=upstream_rate_limited,solo#a=ok;retry");
    assert.equal(result.headers.get("x-litellm-attempted-retries"), "1");
    assert.equal(fake.received.length, 2);
    const gap = (fake.received[1]?.at ?? 0) - (fake.received[0]?.at ?? 0);
    assert.ok(gap >= 295, `Retry-After honoured (gap ${gap} ms)`);
  });

  it("500 then another deployment of the group answers", async () => {
    const bad = await upstream("openai", serverError);
    const good = await upstream();
    const app = await gateway([openai("g#bad", bad), openai("g#good", good)]);
    const result = await chat(app, "g");
    assert.equal(result.status, 200);
    assert.equal(result.log, "g#bad=upstream_unavailable,g#good=ok;retry");
    assert.equal(result.headers.get("x-switchboard-deployment"), "g#good");
  });

  it("Anthropic 529 and an OpenAI 503: fallbacks in order, the answering model is reported", async () => {
    const claude = await upstream("anthropic", {
      kind: "status",
      status: 529,
      body: anthropicOverloadedBody(),
    });
    const first = await upstream("openai", unavailable);
    const second = await upstream();
    const app = await gateway(
      [
        deployment(
          "claude",
          "anthropic",
          "claude-sonnet-4-5",
          { apiBase: claude.baseUrl, apiKey: "sk-ant" },
          "claude#1",
        ),
        openai("gpt-a#1", first),
        openai("gpt-b#1", second),
      ],
      { numRetries: 0, fallbacks: { claude: ["gpt-a", "gpt-b"] } },
    );
    const result = await chat(app, "claude");
    assert.equal(result.status, 200);
    assert.equal(
      result.log,
      "claude#1=upstream_unavailable,gpt-a#1=upstream_unavailable;fallback,gpt-b#1=ok;fallback",
    );
    assert.equal(result.headers.get("x-litellm-attempted-fallbacks"), "2");
    assert.equal(result.headers.get("x-switchboard-model-group"), "claude");
    assert.equal(result.body["model"], "gpt-4.1-nano-2025-04-14");
    assert.deepEqual([claude.received.length, first.received.length, second.received.length], [1, 1, 1]);
  });

  it("hang before headers: the attempt times out and the next deployment answers (unary and stream)", async () => {
    const hung = await upstream("openai", { kind: "hang-headers" });
    const good = await upstream();
    const app = await gateway([
      openai("h#hung", hung, { timeoutMs: 300, streamTimeoutMs: 300 }),
      openai("h#good", good),
    ]);
    const unary = await chat(app, "h");
    assert.equal(unary.status, 200);
    assert.equal(unary.log, "h#hung=timeout,h#good=ok;retry");
    const stream = await chat(app, "h", { stream: true });
    assert.equal(stream.status, 200);
    assert.equal(stream.log, "h#hung=timeout,h#good=ok;retry");
    assert.match(stream.text, /data: \[DONE\]/);
  });

  it("connection refused, and connection reset after the request was sent: both retried", async () => {
    const refused = await refusedBaseUrl();
    const good = await upstream();
    const flaky = await upstream();
    flaky.script.push({ kind: "reset-after-request" });
    const app = await gateway([
      openai("c#refused", refused),
      openai("c#good", good),
      openai("reset#flaky", flaky),
    ]);
    const first = await chat(app, "c");
    assert.equal(first.status, 200);
    assert.equal(first.log, "c#refused=connection_error,c#good=ok;retry");
    const second = await chat(app, "reset");
    assert.equal(second.status, 200);
    assert.equal(second.log, "reset#flaky=connection_error,reset#flaky=ok;retry");
    assert.equal(flaky.received.length, 2);
  });

  it("hang after the first chunk: committed, never retried; the client gets the chunk then an error", async () => {
    const hung = await upstream("openai", { kind: "hang-after-first-chunk" });
    const spare = await upstream();
    const app = await gateway([openai("s#hung", hung), openai("s#spare", spare)], { idleTimeoutMs: 300 });
    const result = await chat(app, "s", { stream: true });
    assert.equal(result.status, 200);
    assert.equal(result.log, "s#hung=ok");
    assert.match(result.text, /"role":"assistant"/);
    assert.match(result.text, /"error"/);
    assert.equal(hung.received.length, 1);
    assert.equal(spare.received.length, 0);
  });

  it("mid-stream cut: the bytes already sent stand, no retry, one error event", async () => {
    const cut = await upstream("openai", { kind: "cut-mid-stream" });
    const spare = await upstream();
    const app = await gateway([openai("m#cut", cut), openai("m#spare", spare)]);
    const result = await chat(app, "m", { stream: true });
    assert.equal(result.status, 200);
    assert.equal((result.text.match(/"error"/g) ?? []).length, 1);
    assert.doesNotMatch(result.text, /data: \[DONE\]/);
    assert.equal(cut.received.length, 1);
    assert.equal(spare.received.length, 0);
  });

  it("cooldown: entry after allowed_fails, fail-fast for a single-deployment group, half-open probe, exit", async () => {
    const fake = await upstream();
    fake.script.push(serverError, serverError);
    const app = await gateway([openai("solo#only", fake)], {
      numRetries: 0,
      allowedFails: 1,
      cooldownMs: 400,
    });
    assert.equal((await chat(app, "solo")).status, 503); // failure 1 (allowed)
    assert.equal((await chat(app, "solo")).status, 503); // failure 2 → cooldown
    // Cooling: fail fast, the upstream is not called.
    const fast = await chat(app, "solo");
    assert.equal(fast.status, 503);
    assert.equal((fast.body["error"] as { code?: string }).code, "unavailable");
    assert.ok(Number(fast.headers.get("retry-after-ms")) > 0);
    assert.equal(fake.received.length, 2);
    await sleep(450);
    // Half-open: one probe goes through (slowly); a concurrent request is refused meanwhile.
    fake.script.push({ kind: "ok", delayMs: 300 });
    const probe = chat(app, "solo");
    await sleep(100);
    const refused = await chat(app, "solo");
    assert.equal(refused.status, 503);
    const probed = await probe;
    assert.equal(probed.status, 200);
    assert.equal(probed.log, "solo#only=ok;probe");
    assert.equal(fake.received.length, 3);
    // The probe worked: healthy again.
    const normal = await chat(app, "solo");
    assert.equal(normal.status, 200);
    assert.equal(normal.log, "solo#only=ok");
  });

  it("a group in cooldown falls back instead of failing", async () => {
    const down = await upstream("openai", serverError);
    const spare = await upstream();
    const app = await gateway([openai("x#down", down), openai("y#spare", spare)], {
      numRetries: 0,
      allowedFails: 0,
      cooldownMs: 60_000,
      fallbacks: { x: ["y"] },
    });
    const first = await chat(app, "x");
    assert.equal(first.log, "x#down=upstream_unavailable,y#spare=ok;fallback");
    const second = await chat(app, "x");
    assert.equal(second.log, "y#spare=ok;fallback");
    assert.equal(down.received.length, 1);
  });

  it("context window: the pre-call check skips a model whose window is too small", async () => {
    const small = await upstream();
    const big = await upstream();
    const smallDeployment = openai("small#1", small);
    smallDeployment.info.maxInputTokens = 20;
    const app = await gateway([smallDeployment, openai("big#1", big)], {
      contextWindowFallbacks: { small: ["big"] },
    });
    const result = await chat(app, "small", {
      messages: [{ role: "user", content: "word ".repeat(200) }],
    });
    assert.equal(result.status, 200);
    assert.equal(result.log, "big#1=ok;context_window_fallback");
    assert.equal(small.received.length, 0);
    const short = await chat(app, "small");
    assert.equal(short.log, "small#1=ok");
  });

  it("per-request fallbacks only when allowed", async () => {
    const down = await upstream("openai", unavailable);
    const spare = await upstream();
    const deployments = [openai("p#down", down), openai("q#spare", spare)];
    const closed = await gateway(deployments, { numRetries: 0 });
    const refused = await chat(closed, "p", { fallbacks: ["q"] });
    assert.equal(refused.status, 400);
    assert.equal((refused.body["error"] as { param?: string }).param, "fallbacks");
    const open = await gateway(deployments, { numRetries: 0, allowRequestFallbacks: true });
    const result = await chat(open, "p", { fallbacks: ["q"] });
    assert.equal(result.status, 200);
    assert.equal(result.log, "p#down=upstream_unavailable,q#spare=ok;fallback");
    assert.equal((await chat(open, "p", { fallbacks: ["nope"] })).status, 404);
  });

  it("hedging: a slow first attempt is raced by a second deployment; the loser is cancelled", async () => {
    const slow = await upstream("openai", { kind: "ok", delayMs: 2_000 });
    const fast = await upstream();
    const app = await gateway([openai("hg#slow", slow), openai("hg#fast", fast)], {
      hedgeAfterMs: { hg: 100 },
    });
    const result = await chat(app, "hg");
    assert.equal(result.status, 200);
    assert.equal(result.headers.get("x-switchboard-deployment"), "hg#fast");
    assert.equal(result.log, "hg#slow=cancelled,hg#fast=ok;hedge");
    assert.equal(slow.received.length, 1);
    assert.equal(fast.received.length, 1);
    // The slow attempt was aborted: its socket is closed, not left waiting.
    for (let wait = 0; wait < 50 && slow.openSockets() > 0; wait++) await sleep(20);
    assert.equal(slow.openSockets(), 0);
  });

  it("rpm: a deployment at its limit is skipped, then the group is at capacity (429)", async () => {
    const limited = await upstream();
    const other = await upstream();
    const app = await gateway([
      openai("r#limited", limited, { rpm: 2, order: 1 }),
      openai("r#other", other, { rpm: 1, order: 2 }),
    ]);
    const logs = [];
    for (let index = 0; index < 4; index++) logs.push((await chat(app, "r")).log ?? "429");
    assert.deepEqual(logs, ["r#limited=ok", "r#limited=ok", "r#other=ok", "429"]);
  });
});
