import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RequestEnd, RequestStart } from "../../../src/core/chat/request-observer.js";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import { Alerter } from "../../../src/observability/alerts/alerter.js";
import type { DeploymentHealth } from "../../../src/observability/metrics.js";
import { registerSecrets } from "../../../src/shared/secret-scrubber.js";
import { type FakeReceiver, startFakeReceiver, waitFor } from "../../helpers/fake-receiver.js";

const WEBHOOK_CANARY = "T000/B000/slackcanarytoken0123456789";
const KEY_CANARY = "sk-key-canary-alerts-a1b2c3d4e5f60718";

function start(keyId: string, softBudget?: number): RequestStart {
  return {
    surface: "chat_completions",
    stream: false,
    requestId: `r-${keyId}`,
    principal: {
      keyId,
      role: "user",
      display: "sk-…abcd",
      ...(softBudget !== undefined ? { limits: { softBudget } } : {}),
    },
    request: { model: "gpt", messages: [{ role: "user", content: `prompt ${KEY_CANARY}` }] },
    startedAt: performance.now(),
  };
}

function end(extra: Partial<RequestEnd> = {}): RequestEnd {
  return {
    surface: "chat_completions",
    stream: false,
    modelGroup: "gpt",
    startedAt: 0,
    endedAt: 10,
    ...extra,
  };
}

describe("Slack-compatible alerts", () => {
  let slack: FakeReceiver;
  let alerter: Alerter;
  let clock = 1_000_000;
  const deployments: DeploymentHealth[] = [
    { deployment: "d1", modelGroup: "gpt", provider: "openai", model: "gpt-4o", state: 0 },
  ];

  before(async () => {
    registerSecrets([WEBHOOK_CANARY]);
    slack = await startFakeReceiver();
    alerter = new Alerter({
      webhookUrl: `${slack.url}/services/${WEBHOOK_CANARY}`,
      now: () => clock,
      maxPerMinute: 5,
      errorRateMinAttempts: 4,
      sources: { deployments: async () => deployments, journalDepth: () => 5_000 },
      pollIntervalMs: 3_600_000,
    });
  });

  after(async () => {
    await alerter?.close(500);
    await slack?.close();
  });

  const texts = () => slack.received.map((request) => (request.body as { text: string }).text);

  it("alerts once for a budget exhausted and once for a soft budget crossed, de-duplicated per key", async () => {
    const exhausted = new GatewayError("budget_exceeded", "Budget exceeded.", {
      limit: { metric: "dollars", name: "key max_budget", limit: 1, remaining: 0, resetMs: 0 },
    });
    for (let index = 0; index < 3; index++) alerter.scope(start("key-a")).onEnd(end({ error: exhausted }));
    alerter.scope(start("key-b", 0.5)).onEnd(end({ keySpendUsd: 0.6 }));
    alerter.scope(start("key-b", 0.5)).onEnd(end({ keySpendUsd: 0.7 }));
    alerter.scope(start("key-c", 0.5)).onEnd(end({ keySpendUsd: 0.1 })); // under: nothing
    await waitFor(() => slack.received.length >= 2, 3_000, "two alerts");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(texts().length, 2);
    assert.match(texts()[0] ?? "", /Budget exhausted for key key-a/);
    assert.match(texts()[1] ?? "", /Key key-b crossed its soft budget/);
    assert.equal(alerter.stats.deduplicated, 3);
  });

  it("alerts when a deployment starts cooling down, the journal backs up, and a provider's error rate is high", async () => {
    const before_ = slack.received.length;
    deployments[0] = { ...deployments[0], state: 2 } as DeploymentHealth;
    await alerter.poll();
    await alerter.poll(); // still cooling: no second alert
    const scope = alerter.scope(start("key-d"));
    for (const outcome of [
      "upstream_unavailable",
      "upstream_unavailable",
      "timeout",
      "upstream_unavailable",
    ] as const)
      scope.onAttempt({ deployment: "d1", provider: "openai", model: "gpt-4o", outcome, latencyMs: 5 });
    await waitFor(() => slack.received.length >= before_ + 3, 3_000, "three alerts");
    const fresh = texts().slice(before_);
    assert.ok(fresh.some((text) => /Deployment cooling down: d1/.test(text)));
    assert.ok(fresh.some((text) => /Usage journal backing up: 5000 rows/.test(text)));
    assert.ok(fresh.some((text) => /Provider openai: 4 of 4 attempts failed/.test(text)));
  });

  it("rate-limits alerts overall", async () => {
    const before_ = alerter.stats.queued;
    for (let index = 0; index < 10; index++)
      alerter.scope(start(`key-x${index}`, 0.01)).onEnd(end({ keySpendUsd: 1 }));
    // Five per minute in all; five were sent in this minute already.
    assert.equal(alerter.stats.queued, before_);
    assert.ok(alerter.stats.rateLimited >= 10);
    clock += 61_000;
    alerter.scope(start("key-y", 0.01)).onEnd(end({ keySpendUsd: 1 }));
    assert.equal(alerter.stats.queued, before_ + 1);
  });

  it("never carries a secret or request content", async () => {
    await waitFor(() => alerter.pending === 0, 3_000, "drain");
    const text = JSON.stringify(slack.received.map((request) => request.body));
    assert.ok(!text.includes(KEY_CANARY));
    assert.ok(!text.includes("prompt"));
    assert.ok(!text.includes(WEBHOOK_CANARY));
  });
});
