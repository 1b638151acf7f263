import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatContext } from "../../../src/core/chat/dispatcher.js";
import type { ErrorKind } from "../../../src/core/errors/error-kind.js";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatRequest, ChatResponse } from "../../../src/core/types/chat.js";
import type { AttemptInvoker, AttemptLimits, UpstreamEventStream } from "../../../src/core/types/provider.js";
import { Router, type RouterOptions } from "../../../src/router/router.js";
import { deployment } from "../../helpers/gateway.js";

const response: ChatResponse = { id: "r", model: "m", created: 1, choices: [] };
const request: ChatRequest = { model: "g", messages: [{ role: "user", content: "hi" }] };

/** An invoker that fails with the given kinds in order, then answers; it records every call and its limits. */
function scripted(kinds: ErrorKind[]) {
  const calls: { deployment: string; limits: AttemptLimits }[] = [];
  const invoker: AttemptInvoker = {
    async complete(target, _request, _id, _signal, limits) {
      calls.push({ deployment: target.id, limits });
      const kind = kinds.shift();
      if (kind !== undefined) throw new GatewayError(kind, kind);
      return response;
    },
    async stream(target, _request, _id, _signal, limits): Promise<UpstreamEventStream> {
      calls.push({ deployment: target.id, limits });
      async function* rest() {
        yield [{ type: "text-delta" as const, choice: 0, text: "b" }];
        throw new GatewayError("connection_error", "cut");
      }
      return { first: [{ type: "text-delta", choice: 0, text: "a" }], rest: rest(), abort: () => undefined };
    },
  };
  return { invoker, calls };
}

function context(extra: Partial<ChatContext> = {}): ChatContext {
  return {
    requestId: "t",
    principal: { keyId: "k", role: "admin", display: "k" },
    signal: new AbortController().signal,
    ...extra,
  };
}

function router(invoker: AttemptInvoker, options: Partial<RouterOptions> = {}) {
  return new Router(
    [deployment("g", "openai", "m", {}, "g#1"), deployment("g", "openai", "m", {}, "g#2")],
    invoker,
    {
      retryBackoffMs: 1,
      random: () => 0,
      ...options,
    },
  );
}

describe("router attempt loop", () => {
  it("retries a retryable kind up to num_retries, on another deployment first", async () => {
    const { invoker, calls } = scripted(["upstream_unavailable", "timeout"]);
    const { routing } = await router(invoker, { numRetries: 2 }).complete(request, context());
    assert.deepEqual(
      calls.map((call) => call.deployment),
      ["g#1", "g#2", "g#1"],
    );
    assert.deepEqual(
      routing.attempts.map((attempt) => attempt.reason),
      ["primary", "retry", "retry"],
    );
  });

  for (const kind of [
    "upstream_bad_request",
    "invalid_request",
    "context_window_exceeded",
    "cancelled",
    "internal",
  ] as const) {
    it(`never retries ${kind}`, async () => {
      const { invoker, calls } = scripted([kind]);
      await assert.rejects(router(invoker, { numRetries: 5 }).complete(request, context()), { kind });
      assert.equal(calls.length, 1);
    });
  }

  it("a spent retry budget stops retries (no retry storm)", async () => {
    const { invoker, calls } = scripted([
      "upstream_unavailable",
      "upstream_unavailable",
      "upstream_unavailable",
    ]);
    const spent = router(invoker, { numRetries: 5, retryBudget: { ratio: 0, minPerSecond: 0 } });
    await assert.rejects(spent.complete(request, context()), { kind: "upstream_unavailable" });
    assert.equal(calls.length, 1);
  });

  it("the caller's deadline bounds every attempt's limits", async () => {
    const { invoker, calls } = scripted([]);
    await router(invoker, { timeoutMs: 600_000, streamTimeoutMs: 600_000 }).complete(
      request,
      context({ deadline: Date.now() + 2_000 }),
    );
    const limits = calls[0]?.limits;
    assert.ok(limits !== undefined && limits.totalTimeoutMs <= 2_000 && limits.firstByteTimeoutMs <= 2_000);
    assert.ok(limits.idleTimeoutMs <= 2_000 && limits.connectTimeoutMs <= 2_000);
  });

  it("a request timeout shortens, never lengthens, the configured one", async () => {
    const { invoker, calls } = scripted([]);
    const r = router(invoker, { timeoutMs: 10_000 });
    await r.complete({ ...request, routing: { timeoutMs: 3_000 } }, context());
    await r.complete({ ...request, routing: { timeoutMs: 60_000 } }, context());
    assert.deepEqual(
      calls.map((call) => call.limits.totalTimeoutMs),
      [3_000, 10_000],
    );
  });

  it("a passed deadline makes no attempt", async () => {
    const { invoker, calls } = scripted([]);
    await assert.rejects(router(invoker).complete(request, context({ deadline: Date.now() - 1 })), {
      kind: "timeout",
    });
    assert.equal(calls.length, 0);
  });

  it("no retry once a stream is committed: a later error reaches the caller", async () => {
    const { invoker, calls } = scripted([]);
    const committed = await router(invoker, { numRetries: 3 }).stream(request, context());
    const texts: string[] = [];
    await assert.rejects(
      async () => {
        for await (const batch of committed.events)
          for (const event of batch) if (event.type === "text-delta") texts.push(event.text);
      },
      { kind: "connection_error" },
    );
    assert.deepEqual(texts, ["a", "b"]);
    assert.equal(calls.length, 1);
  });
});

describe("wildcard deployments", () => {
  it("keep health per concrete model: one model cooling down leaves the others routable", async () => {
    const calls: string[] = [];
    const invoker: AttemptInvoker = {
      async complete(target) {
        calls.push(target.model);
        if (target.model === "bad") throw new GatewayError("upstream_unavailable", "down");
        return response;
      },
      stream: async () => {
        throw new Error("unary only");
      },
    };
    const wild = new Router([deployment("w/*", "openai", "*", {}, "w#1")], invoker, {
      numRetries: 0,
      allowedFails: 0,
      cooldownMs: 60_000,
    });
    await assert.rejects(wild.complete({ ...request, model: "w/bad" }, context()), {
      kind: "upstream_unavailable",
    });
    await assert.rejects(wild.complete({ ...request, model: "w/bad" }, context()), { kind: "unavailable" });
    const { routing } = await wild.complete({ ...request, model: "w/good" }, context());
    assert.equal(routing.model, "good");
    assert.deepEqual(calls, ["bad", "good"]);
  });
});

describe("attempt signals", () => {
  it("an attempt that cannot be hedged runs on the caller's signal; a hedgeable one gets its own", async () => {
    const seen: AbortSignal[] = [];
    const invoker: AttemptInvoker = {
      async complete(_target, _request, _id, signal) {
        seen.push(signal);
        return response;
      },
      async stream(): Promise<UpstreamEventStream> {
        throw new GatewayError("internal", "not streamed here");
      },
    };
    const caller = new AbortController();
    await router(invoker).complete(request, context({ signal: caller.signal }));
    assert.equal(seen[0], caller.signal, "no hedging configured: one signal per request");
    await router(invoker, { hedgeAfterMs: { g: 10_000 } }).complete(
      request,
      context({ signal: caller.signal }),
    );
    const own = seen[1] as AbortSignal;
    assert.notEqual(own, caller.signal, "a hedgeable attempt can be aborted alone");
    assert.equal(own.aborted, false);
  });
});
