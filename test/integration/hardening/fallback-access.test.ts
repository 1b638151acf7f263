import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { AppOptions } from "../../../src/app.js";
import type { Deployment } from "../../../src/core/types/deployment.js";
import { type Fault, type FaultUpstream, startFaultUpstream } from "../../helpers/fault-upstream.js";
import { deployment } from "../../helpers/gateway.js";
import { chat, createKey, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";

const HI = [{ role: "user", content: "hi" }];

function failing(status: number, code: string, message: string): Fault {
  return {
    kind: "status",
    status,
    body: JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code } }),
  };
}

/** The failure of model A that takes each kind of configured fallback, and the router setting that names B. */
const CASES: { name: string; fault: Fault; router: NonNullable<AppOptions["router"]> }[] = [
  {
    name: "fallbacks",
    fault: failing(503, "server_error", "A is overloaded"),
    router: { fallbacks: { "model-a": ["model-b"] } },
  },
  {
    name: "default_fallbacks",
    fault: failing(503, "server_error", "A is overloaded"),
    router: { defaultFallbacks: ["model-b"] },
  },
  {
    name: "fallbacks for '*'",
    fault: failing(503, "server_error", "A is overloaded"),
    router: { fallbacks: { "*": ["model-b"] } },
  },
  {
    name: "context_window_fallbacks",
    fault: failing(400, "context_length_exceeded", "A's context window is too small"),
    router: { contextWindowFallbacks: { "model-a": ["model-b"] } },
  },
  {
    name: "content_policy_fallbacks",
    fault: failing(400, "content_policy_violation", "A refused on content policy"),
    router: { contentPolicyFallbacks: { "model-a": ["model-b"] } },
  },
];

function openai(name: string, upstream: FaultUpstream): Deployment {
  return deployment(name, "openai", "gpt-4.1-nano", {
    apiBase: upstream.baseUrl,
    apiKey: "sk-upstream-test",
  });
}

async function settled(gateway: UsageGateway): Promise<void> {
  for (let round = 0; round < 200 && gateway.usage.limiter.inFlight() > 0; round++) await delay(25);
  await gateway.usage.ledger.flush();
}

describe("configured fallbacks obey the key's model access (issue 11)", () => {
  const upstreams: FaultUpstream[] = [];
  before(() => undefined);
  after(async () => {
    await Promise.all(upstreams.map((upstream) => upstream.close()));
  });

  for (const testCase of CASES) {
    it(`${testCase.name}: a key limited to A gets A's error; B is never called`, async () => {
      const a = await startFaultUpstream("openai", testCase.fault);
      const b = await startFaultUpstream("openai", { kind: "ok" });
      upstreams.push(a, b);
      const gateway = await startUsageGateway({
        database: "sqlite",
        deployments: [openai("model-a", a), openai("model-b", b)],
        app: { router: { numRetries: 0, retryBackoffMs: 1, disableCooldowns: true, ...testCase.router } },
      });
      try {
        const limited = await createKey(gateway.url, { models: ["model-a"] });
        const denied = await chat(gateway.url, limited.key, { model: "model-a", messages: HI });
        assert.equal(b.received.length, 0, "the fallback deployment outside the key's models got no request");
        assert.equal(a.received.length, 1);
        assert.ok(denied.status >= 400, denied.text);
        const error = (JSON.parse(denied.text) as { error: { message: string } }).error;
        assert.match(error.message, /\bA\b/, "the client gets A's error, not the fallback's");
        assert.doesNotMatch(denied.text, /model-b/);

        // Control: a key that may use both is served by B through the same fallback.
        const both = await createKey(gateway.url, { models: ["model-a", "model-b"] });
        const served = await chat(gateway.url, both.key, { model: "model-a", messages: HI });
        assert.equal(served.status, 200, served.text);
        assert.equal(b.received.length, 1);
        assert.equal(served.headers.get("x-switchboard-deployment"), "model-b#openai");
      } finally {
        await gateway.close();
      }
    });
  }

  it("a disallowed fallback is passed over for the next allowed one, and the attempt log says why", async () => {
    const a = await startFaultUpstream("openai", failing(503, "server_error", "A is overloaded"));
    const b = await startFaultUpstream("openai", { kind: "ok" });
    const c = await startFaultUpstream("openai", { kind: "ok" });
    upstreams.push(a, b, c);
    const gateway = await startUsageGateway({
      database: "sqlite",
      deployments: [openai("model-a", a), openai("model-b", b), openai("model-c", c)],
      app: {
        router: {
          numRetries: 0,
          retryBackoffMs: 1,
          disableCooldowns: true,
          fallbacks: { "model-a": ["model-b", "model-c"] },
        },
      },
    });
    try {
      const { key } = await createKey(gateway.url, { models: ["model-a", "model-c"] });
      const served = await chat(gateway.url, key, { model: "model-a", messages: HI });
      assert.equal(served.status, 200, served.text);
      assert.equal(b.received.length, 0);
      assert.equal(c.received.length, 1);
      assert.equal(served.headers.get("x-switchboard-deployment"), "model-c#openai");
      assert.equal(
        served.headers.get("x-switchboard-attempt-log"),
        "model-a#openai=upstream_unavailable,model-b=permission_denied;fallback,model-c#openai=ok;fallback",
      );
      // Billing: one ledger row per upstream attempt; the passed-over group is no row.
      await settled(gateway);
      const rows = (await gateway.usage.store.query({}, undefined, 100)).filter(
        (row) => row.requestId === served.headers.get("x-request-id"),
      );
      assert.deepEqual(rows.map((row) => row.deployment).sort(), ["model-a#openai", "model-c#openai"]);
    } finally {
      await gateway.close();
    }
  });

  it("the budget reservation covers the dearest fallback the key may reach", async () => {
    const a = await startFaultUpstream("openai", failing(503, "server_error", "A is overloaded"));
    const b = await startFaultUpstream("openai", { kind: "ok" });
    upstreams.push(a, b);
    const cheap = openai("model-a", a);
    cheap.info = { extra: {}, inputCostPerToken: 1e-6, outputCostPerToken: 2e-6 };
    const dear = openai("model-b", b);
    dear.info = { extra: {}, inputCostPerToken: 1e-4, outputCostPerToken: 2e-4 };
    const gateway = await startUsageGateway({
      database: "sqlite",
      deployments: [cheap, dear],
      app: {
        router: {
          numRetries: 0,
          retryBackoffMs: 1,
          disableCooldowns: true,
          fallbacks: { "model-a": ["model-b"] },
        },
      },
    });
    try {
      // max_tokens 100, prompt "hi": A's worst case ≈ $0.00023, B's ≈ $0.023. The budget fits A's, not B's.
      const request = { model: "model-a", max_tokens: 100, messages: HI };
      const onlyA = await createKey(gateway.url, { models: ["model-a"], max_budget: 0.001 });
      const cheapOnly = await chat(gateway.url, onlyA.key, request);
      assert.equal(cheapOnly.status, 503, "B is out of reach for this key: only A's worst case is reserved");
      const withB = await createKey(gateway.url, { models: ["model-a", "model-b"], max_budget: 0.001 });
      const refused = await chat(gateway.url, withB.key, request);
      assert.equal(refused.status, 429, "B's worst case does not fit: refused before any upstream call");
      assert.match(refused.text, /insufficient_quota/);
      assert.equal(b.received.length, 0);
    } finally {
      await gateway.close();
    }
  });
});
