import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfiguredModelCatalog } from "../../../src/core/catalog/model-catalog.js";
import type { ChatContext } from "../../../src/core/chat/dispatcher.js";
import { estimateEmbedPrompt } from "../../../src/core/embeddings/embed-estimate.js";
import type { EmbedRequest, EmbedResult } from "../../../src/core/embeddings/embed-types.js";
import { EmbeddingsGateway } from "../../../src/core/embeddings/embeddings-gateway.js";
import {
  MAX_EMBED_INPUTS,
  validateEmbedRequest,
} from "../../../src/core/embeddings/validate-embed-request.js";
import {
  decodeVectorBase64,
  encodeVectorBase64,
  vectorNumbers,
} from "../../../src/core/embeddings/vector-encoding.js";
import type { ErrorKind } from "../../../src/core/errors/error-kind.js";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { AttemptInvoker } from "../../../src/core/types/provider.js";
import { Router } from "../../../src/router/router.js";
import { deployment } from "../../helpers/gateway.js";
import { readCassette } from "../../helpers/provider-fixtures.js";

function context(extra: Partial<ChatContext> = {}): ChatContext {
  return {
    requestId: "t",
    principal: { keyId: "k", role: "admin", display: "k" },
    signal: new AbortController().signal,
    ...extra,
  };
}

describe("vector encoding (OpenAI's base64: little-endian float32)", () => {
  it("decodes the recorded base64 and re-encodes it byte for byte; numbers encode to the same bytes", () => {
    const recorded = readCassette("openai/cassette-embeddings-base64-batch.yaml")[0]?.response
      .parsed_body as {
      data: { embedding: string }[];
    };
    for (const item of recorded.data) {
      const vector = decodeVectorBase64(item.embedding);
      assert.ok(vector !== undefined);
      assert.equal(encodeVectorBase64(vector), item.embedding);
      assert.equal(encodeVectorBase64(vectorNumbers(vector)), item.embedding);
    }
  });

  it("a base64 text that is not whole float32s is refused", () => {
    assert.equal(decodeVectorBase64(Buffer.from([1, 2, 3]).toString("base64")), undefined);
  });
});

describe("embeddings validation and estimate", () => {
  const base: EmbedRequest = { model: "m", input: { kind: "text", texts: ["a"] } };

  const cases: [string, EmbedRequest, string][] = [
    ["empty model", { ...base, model: "" }, "model"],
    ["no inputs", { ...base, input: { kind: "text", texts: [] } }, "input"],
    [
      "too many inputs",
      { ...base, input: { kind: "text", texts: Array(MAX_EMBED_INPUTS + 1).fill("a") } },
      "input",
    ],
    ["an empty text", { ...base, input: { kind: "text", texts: ["a", ""] } }, "input[1]"],
    ["an empty token array", { ...base, input: { kind: "tokens", tokens: [[]] } }, "input[0]"],
    ["a token id past 2^31-1", { ...base, input: { kind: "tokens", tokens: [[2 ** 31]] } }, "input[0]"],
    ["dimensions 0", { ...base, dimensions: 0 }, "dimensions"],
    ["fractional dimensions", { ...base, dimensions: 1.5 }, "dimensions"],
  ];
  for (const [name, request, param] of cases) {
    it(`${name} → invalid_request naming ${param}`, () => {
      assert.throws(
        () => validateEmbedRequest(request),
        (error: unknown) =>
          error instanceof GatewayError && error.kind === "invalid_request" && error.param === param,
      );
    });
  }

  it("the estimate bounds the text from above (bytes) and counts token ids exactly", () => {
    const text = estimateEmbedPrompt({ kind: "text", texts: ["héllo wörld", "漢字"] });
    assert.ok(text.upperBound >= Buffer.byteLength("héllo wörld漢字"));
    assert.ok(text.tokens <= text.upperBound);
    assert.deepEqual(estimateEmbedPrompt({ kind: "tokens", tokens: [[1, 2], [3]] }), {
      tokens: 3,
      upperBound: 3,
    });
  });
});

describe("embeddings through the router: retries, fallbacks and cooldowns apply", () => {
  const result: EmbedResult = { model: "m", vectors: [[1, 2]], usage: { promptTokens: 2, totalTokens: 2 } };

  function scripted(kinds: ErrorKind[]) {
    const calls: string[] = [];
    const invoker: AttemptInvoker = {
      complete: async () => {
        throw new Error("chat not used");
      },
      stream: async () => {
        throw new Error("chat not used");
      },
      async embed(target) {
        calls.push(target.id);
        const kind = kinds.shift();
        if (kind !== undefined) throw new GatewayError(kind, kind);
        return structuredClone(result);
      },
    };
    return { invoker, calls };
  }

  function gatewayOver(invoker: AttemptInvoker, options: ConstructorParameters<typeof Router>[2] = {}) {
    const deployments = [
      deployment("e", "openai", "m", {}, "e#1"),
      deployment("e", "openai", "m", {}, "e#2"),
      deployment("backup", "cohere", "embed-v4.0", {}, "b#1"),
      deployment("chat", "anthropic", "claude", {}, "c#1"),
    ];
    const catalog = new ConfiguredModelCatalog(deployments);
    const router = new Router(catalog, invoker, { retryBackoffMs: 1, random: () => 0, ...options });
    return new EmbeddingsGateway(router, {
      catalog,
      servesEmbeddings: (provider) => provider !== "anthropic",
      dropParams: false,
    });
  }

  const request = (): EmbedRequest => ({ model: "e", input: { kind: "text", texts: ["x"] } });

  it("a retryable failure is retried on the other deployment of the group", async () => {
    const { invoker, calls } = scripted(["upstream_unavailable"]);
    const { routing } = await gatewayOver(invoker, { numRetries: 1 }).embed(request(), context());
    assert.deepEqual(
      calls,
      ["e#1", "e#2"].filter((id) => calls.includes(id)),
    );
    assert.equal(calls.length, 2);
    assert.notEqual(calls[0], calls[1]);
    assert.deepEqual(
      routing.attempts.map((attempt) => attempt.outcome),
      ["upstream_unavailable", "ok"],
    );
  });

  it("a group that keeps failing falls back to a configured fallback group that serves embeddings", async () => {
    const { invoker, calls } = scripted(["upstream_unavailable", "upstream_unavailable"]);
    const { routing } = await gatewayOver(invoker, {
      numRetries: 1,
      fallbacks: { e: ["chat", "backup"] },
    }).embed(request(), context());
    assert.equal(calls.at(-1), "b#1");
    assert.equal(routing.attempts.at(-1)?.reason, "fallback");
    // The chat-only group is never called for embeddings.
    assert.ok(!calls.includes("c#1"));
  });

  it("a fallback the key may not use is passed over, never called", async () => {
    const { invoker, calls } = scripted(["upstream_unavailable", "upstream_unavailable"]);
    await assert.rejects(
      gatewayOver(invoker, { numRetries: 1, fallbacks: { e: ["backup"] } }).embed(
        request(),
        context({ principal: { keyId: "k", role: "user", display: "k", allowedModels: ["e"] } }),
      ),
      (error: unknown) => error instanceof GatewayError && error.kind === "upstream_unavailable",
    );
    assert.ok(!calls.includes("b#1"));
  });

  it("a deployment that failed goes into cooldown and the next request avoids it", async () => {
    const { invoker, calls } = scripted(["upstream_unavailable"]);
    const gateway = gatewayOver(invoker, { numRetries: 1, allowedFails: 0, cooldownMs: 60_000 });
    await gateway.embed(request(), context());
    const failed = calls[0];
    calls.length = 0;
    for (let round = 0; round < 4; round++) await gateway.embed(request(), context());
    assert.ok(
      !calls.includes(failed as string),
      `${failed} was called while cooling down: ${calls.join(",")}`,
    );
  });

  it("a mixed group routes embeddings only to the deployments that serve them", async () => {
    const { invoker, calls } = scripted([]);
    const deployments = [
      deployment("mixed", "anthropic", "claude", {}, "m#chat"),
      deployment("mixed", "openai", "e", {}, "m#emb"),
    ];
    const catalog = new ConfiguredModelCatalog(deployments);
    const gateway = new EmbeddingsGateway(new Router(catalog, invoker, { retryBackoffMs: 1 }), {
      catalog,
      servesEmbeddings: (provider) => provider !== "anthropic",
      dropParams: false,
    });
    for (let round = 0; round < 6; round++)
      await gateway.embed({ model: "mixed", input: { kind: "text", texts: ["x"] } }, context());
    assert.deepEqual([...new Set(calls)], ["m#emb"]);
  });

  it("a model whose providers have no embeddings is a 400 naming model, before any call", async () => {
    const { invoker, calls } = scripted([]);
    await assert.rejects(
      gatewayOver(invoker).embed({ model: "chat", input: { kind: "text", texts: ["x"] } }, context()),
      (error: unknown) =>
        error instanceof GatewayError && error.kind === "invalid_request" && error.param === "model",
    );
    assert.equal(calls.length, 0);
  });

  it("usage the provider did not report is estimated and flagged (no metering configured)", async () => {
    const invoker: AttemptInvoker = {
      ...scripted([]).invoker,
      embed: async () => ({ model: "m", vectors: [[1]], usage: undefined }),
    };
    const { result } = await gatewayOver(invoker).embed(
      { model: "e", input: { kind: "text", texts: ["hello world"] } },
      context(),
    );
    assert.equal(result.usage?.estimated, true);
    assert.equal(result.usage?.promptTokens, 2);
  });
});
