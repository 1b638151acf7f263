import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { buildObservabilitySettings } from "../../../src/config/observability-settings.js";
import type { RequestObserver, RequestStart } from "../../../src/core/chat/request-observer.js";
import { DeliveryError, DeliveryQueue } from "../../../src/observability/callbacks/delivery-queue.js";
import { LoggingCallbacks } from "../../../src/observability/callbacks/logging-callbacks.js";
import { loadCustomModule } from "../../../src/observability/callbacks/sinks.js";
import { followersFromConfig } from "../../../src/observability/observability-config.js";
import { composeObserver } from "../../../src/observability/observer-hub.js";
import { tracingWanted } from "../../../src/observability/tracing/tracing-setup.js";

const metrics: RequestObserver = { onStart() {}, onAttempt() {}, onEnd() {} };

describe("observability settings (LiteLLM keys honoured)", () => {
  it("merges callbacks, success_callback and failure_callback; warns about unsupported names", () => {
    const warnings: string[] = [];
    const settings = buildObservabilitySettings(
      {
        callbacks: ["otel", "generic_api"],
        success_callback: ["langfuse", "prometheus"],
        failure_callback: ["langfuse", "datadog"],
        turn_off_message_logging: true,
      } as never,
      {
        alerting: ["slack", "email"],
        alerting_threshold: 30,
        alert_types: ["budget_alerts", "daily_reports"],
      } as never,
      warnings,
    );
    assert.equal(settings.otel, true);
    assert.deepEqual(settings.callbacks, [
      { name: "generic_api", onSuccess: true, onFailure: true },
      { name: "langfuse", onSuccess: true, onFailure: true },
    ]);
    assert.equal(settings.turnOffMessageLogging, true);
    assert.equal(settings.slackAlerting, true);
    assert.deepEqual(settings.alertTypes, ["budget_alerts"]);
    assert.equal(warnings.length, 3, warnings.join("\n"));
    assert.ok(warnings.some((warning) => warning.includes("'datadog'")));
  });

  it("a configured callback without its credentials is a startup error, never silence", async () => {
    const settings = buildObservabilitySettings({ success_callback: ["langfuse"] } as never, undefined, []);
    await assert.rejects(followersFromConfig(settings, {}, process.cwd()), /LANGFUSE_PUBLIC_KEY is not set/);
    const alerting = buildObservabilitySettings(undefined, { alerting: ["slack"] } as never, []);
    await assert.rejects(followersFromConfig(alerting, {}, process.cwd()), /SLACK_WEBHOOK_URL is not set/);
    await assert.rejects(
      followersFromConfig(alerting, { SLACK_WEBHOOK_URL: "file:///etc/passwd" }, process.cwd()),
      /must be an http\(s\) URL/,
    );
  });

  it("turn_off_message_logging also keeps content off spans", async () => {
    const settings = buildObservabilitySettings({ turn_off_message_logging: true } as never, undefined, []);
    const followers = await followersFromConfig(
      settings,
      { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true" },
      process.cwd(),
    );
    assert.equal(followers.tracing?.captureContent, false);
  });

  it("tracing is off unless asked for, and OTEL_SDK_DISABLED wins", () => {
    const off = { requestedByConfig: false, captureContent: false };
    assert.equal(tracingWanted(off, {}), false);
    assert.equal(tracingWanted(off, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }), true);
    assert.equal(tracingWanted({ ...off, requestedByConfig: true }, { OTEL_SDK_DISABLED: "true" }), false);
    assert.equal(tracingWanted({ ...off, requestedByConfig: true }, { OTEL_TRACES_EXPORTER: "none" }), false);
  });
});

describe("the observer the core gets", () => {
  it("is metrics alone when no follower is configured (no scope on the request path)", () => {
    assert.equal(composeObserver({ metrics }), metrics);
    assert.equal(composeObserver({}), undefined);
    const empty = new LoggingCallbacks([], { logMessages: false });
    assert.equal(composeObserver({ metrics, callbacks: empty }), metrics);
  });
});

describe("custom callback module", () => {
  it("loads a module relative to the config folder and calls its hooks per outcome", async () => {
    const folder = mkdtempSync(join(tmpdir(), "switchboard-callback-"));
    writeFileSync(
      join(folder, "hooks.mjs"),
      "export const seen = []; export function logSuccessEvent(p) { seen.push(['ok', p.request_id]); } export async function logFailureEvent(p) { seen.push(['fail', p.request_id]); }\n",
    );
    const sink = await loadCustomModule("./hooks.mjs", folder);
    const callbacks = new LoggingCallbacks([{ sink, onSuccess: true, onFailure: true }], {
      logMessages: false,
      queue: { flushIntervalMs: 10 },
    });
    const start = (id: string): RequestStart => ({
      surface: "rpc",
      stream: false,
      requestId: id,
      principal: { keyId: "k", role: "user", display: "d" },
      request: { model: "m", messages: [] },
      startedAt: performance.now(),
    });
    const end = { surface: "rpc" as const, stream: false, modelGroup: "m", startedAt: 0, endedAt: 1 };
    callbacks.scope(start("a"), undefined).onEnd(end);
    const { GatewayError } = await import("../../../src/core/errors/gateway-error.js");
    callbacks.scope(start("b"), undefined).onEnd({ ...end, error: new GatewayError("timeout", "slow") });
    await new Promise((resolve) => setImmediate(resolve));
    await callbacks.close(1_000);
    const module = (await import(join(folder, "hooks.mjs"))) as { seen: string[][] };
    assert.deepEqual(module.seen, [
      ["ok", "a"],
      ["fail", "b"],
    ]);
    await assert.rejects(loadCustomModule("./missing.mjs", folder));
  });
});

describe("delivery queue", () => {
  it("drops a batch the receiver rejects instead of retrying it forever", async () => {
    let calls = 0;
    const queue = new DeliveryQueue<number>(
      async () => {
        calls += 1;
        throw new DeliveryError("HTTP 400", false);
      },
      { flushIntervalMs: 5 },
    );
    queue.push(1);
    queue.push(2);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(calls, 1);
    assert.equal(queue.stats.rejected, 2);
    assert.equal(queue.depth, 0);
    await queue.close(10);
  });

  it("keeps the newest entries within the bound and counts what it drops", async () => {
    const sent: number[] = [];
    let up = false;
    const queue = new DeliveryQueue<number>(
      async (batch) => {
        if (!up) throw new Error("down");
        sent.push(...batch);
      },
      { maxQueue: 3, batchSize: 2, flushIntervalMs: 5, baseBackoffMs: 5, maxBackoffMs: 10 },
    );
    for (let index = 0; index < 10; index++) queue.push(index);
    await new Promise((resolve) => setTimeout(resolve, 40));
    up = true;
    await queue.close(1_000);
    assert.deepEqual(sent, [7, 8, 9]);
    assert.equal(queue.stats.dropped, 7);
  });
});
