import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfiguredModelCatalog, type ModelGroup } from "../../../src/core/catalog/model-catalog.js";
import type { ResolvedRequest } from "../../../src/core/catalog/resolved-request.js";
import { ChatGateway } from "../../../src/core/chat/chat-gateway.js";
import type { ChatContext } from "../../../src/core/chat/dispatcher.js";
import type { Metering } from "../../../src/core/chat/metering.js";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatRequest, ChatResponse, Message } from "../../../src/core/types/chat.js";
import type { AttemptInvoker } from "../../../src/core/types/provider.js";
import { Router } from "../../../src/router/router.js";
import { deployment } from "../../helpers/gateway.js";

/** A catalog that counts resolutions per name. */
class CountingCatalog extends ConfiguredModelCatalog {
  readonly resolved = new Map<string, number>();
  override resolve(model: string): ModelGroup | undefined {
    this.resolved.set(model, (this.resolved.get(model) ?? 0) + 1);
    return super.resolve(model);
  }
}

/** Messages whose every walk is counted (the invoker below never walks them). */
class CountedMessages extends Array<Message> {
  walks = 0;
  override [Symbol.iterator](): ArrayIterator<Message> {
    this.walks++;
    return super[Symbol.iterator]();
  }
}

const response: ChatResponse = { id: "r", model: "m", created: 1, choices: [] };

function context(): ChatContext {
  return {
    requestId: "t",
    principal: { keyId: "k", role: "user", display: "k", allowedModels: ["pinned-1", "g", "h"] },
    signal: new AbortController().signal,
  };
}

describe("each request is resolved and estimated once, at admission", () => {
  it("the gateway resolves, the router and metering read the same resolution; the prompt is walked once", async () => {
    const pinned = deployment("g", "openai", "m", {}, "pinned-1");
    pinned.info = { extra: {}, id: "pinned-1" };
    const catalog = new CountingCatalog([pinned, deployment("g", "openai", "m", {}, "g#2")]);
    const seenByInvoker: string[] = [];
    const invoker: AttemptInvoker = {
      async complete(target) {
        seenByInvoker.push(target.id);
        return response;
      },
      stream: async () => {
        throw new Error("unary only");
      },
    };
    const seenByMetering: ResolvedRequest[] = [];
    const metering: Metering = {
      async admit(_request, admitted) {
        if (admitted.resolved !== undefined) seenByMetering.push(admitted.resolved);
        return {
          admission: {},
          price: () => ({ costUsd: undefined, priced: false }),
          account: async (reported) => ({
            usage: reported ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
            estimated: false,
            costUsd: undefined,
            priced: false,
          }),
          settle: async (outcome) => ({
            costUsd: undefined,
            priced: false,
            usageEstimated: false,
            usage: outcome.usage,
          }),
        };
      },
    };
    const gateway = new ChatGateway(new Router(catalog, invoker), { catalog, dropParams: false, metering });
    const messages = new CountedMessages();
    messages.push({ role: "user", content: "hello" });
    const request: ChatRequest = { model: "pinned-1", messages };
    const { routing } = await gateway.complete(request, context());
    assert.equal(catalog.resolved.get("pinned-1"), 1, "resolved once");
    assert.equal(messages.walks, 1, "the prompt was walked once for every estimate");
    assert.equal(seenByMetering.length, 1);
    assert.deepEqual(
      seenByMetering[0]?.group.deployments.map((target) => target.id),
      ["pinned-1"],
      "metering prices the deployment the id names",
    );
    assert.deepEqual(seenByInvoker, ["pinned-1"]);
    assert.equal(routing.deployment, "pinned-1");
  });

  it("configured fallbacks the caller may not use are not in the resolution (not priced, never called)", async () => {
    const catalog = new ConfiguredModelCatalog([
      deployment("g", "openai", "m", {}, "g#1"),
      deployment("h", "openai", "m", {}, "h#1"),
      deployment("forbidden", "openai", "m", {}, "f#1"),
    ]);
    const called: string[] = [];
    const invoker: AttemptInvoker = {
      async complete(target) {
        called.push(target.id);
        if (target.id === "g#1") throw new GatewayError("upstream_unavailable", "down");
        return response;
      },
      stream: async () => {
        throw new Error("unary only");
      },
    };
    const router = new Router(catalog, invoker, {
      numRetries: 0,
      fallbacks: { g: ["forbidden", "h"] },
      contextWindowFallbacks: { g: ["forbidden"] },
    });
    const group = catalog.resolve("g");
    assert.ok(group !== undefined);
    const reachable = router.fallbackGroups(group, { model: "g", messages: [] }, context());
    assert.deepEqual([...reachable.keys()], ["h"]);
    const { routing } = await router.complete(
      { model: "g", messages: [{ role: "user", content: "x" }] },
      context(),
    );
    assert.deepEqual(called, ["g#1", "h#1"]);
    assert.deepEqual(
      routing.attempts.map((attempt) => [attempt.deployment, attempt.outcome, attempt.skipped ?? ""]),
      [
        ["g#1", "upstream_unavailable", ""],
        ["forbidden", "permission_denied", "model_access"],
        ["h#1", "ok", ""],
      ],
    );
  });
});
