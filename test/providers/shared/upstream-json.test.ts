import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatRequest } from "../../../src/core/types/chat.js";
import type { Deployment } from "../../../src/core/types/deployment.js";
import { getProvider, listProviders } from "../../../src/providers/registry.js";
import { shorten } from "../../../src/providers/shared/upstream-errors.js";
import {
  parseToolArguments,
  parseUpstreamJson,
  tryParseJson,
} from "../../../src/providers/shared/upstream-json.js";

describe("providers/shared/upstream-json: the one safe-JSON parser", () => {
  it("tryParseJson returns the value, or undefined for text that is not JSON (an HTML error page)", () => {
    assert.deepEqual(tryParseJson('{"error":{"message":"x"}}'), { error: { message: "x" } });
    assert.equal(tryParseJson("<html>502 Bad Gateway</html>"), undefined);
    assert.equal(tryParseJson(""), undefined);
    assert.equal(tryParseJson("null"), null);
  });

  it("parseUpstreamJson turns a broken stream message into upstream_protocol naming the provider", () => {
    assert.deepEqual(parseUpstreamJson('{"a":1}', "cohere"), { a: 1 });
    assert.throws(
      () => parseUpstreamJson("data: {oops", "cohere"),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.kind === "upstream_protocol" &&
        error.provider === "cohere" &&
        error.reason === "invalid_json" &&
        !error.message.includes("oops"),
    );
  });

  it("parseToolArguments takes a JSON object or nothing, never an array, a scalar or broken text", () => {
    assert.deepEqual(parseToolArguments(""), {});
    assert.deepEqual(parseToolArguments("  "), {});
    assert.deepEqual(parseToolArguments('{"city":"Paris"}'), { city: "Paris" });
    assert.equal(parseToolArguments("[1,2]"), undefined);
    assert.equal(parseToolArguments("42"), undefined);
    assert.equal(parseToolArguments('{"city":'), undefined);
  });

  it("shorten scrubs secrets before it cuts, so no half secret survives", () => {
    const secret = `sk-${"a".repeat(48)}`;
    const text = shorten(`${"x".repeat(480)} key ${secret} tail`, 500);
    assert.ok(!text.includes("aaaaaaaaaaaa"), text);
    assert.ok(text.length <= 501);
    assert.equal(shorten("  short  "), "short");
  });
});

const request: ChatRequest = { model: "m", messages: [{ role: "user", content: "hi" }] };

function contextOf(provider: string) {
  const deployment: Deployment = {
    id: `json#${provider}`,
    modelName: "m",
    provider,
    model: "m",
    params: { extra: {} },
    info: { extra: {} },
  };
  return { deployment, stream: true, requestId: "json-request" };
}

describe("every HTTP provider's stream decoder reports a non-JSON message the same way", () => {
  for (const id of listProviders()) {
    const adapter = getProvider(id);
    if (adapter?.kind !== "http" || !adapter.capabilities.includes("streaming")) continue;
    it(`${id}: upstream_protocol naming the provider, no crash`, () => {
      const decoder = adapter.createStreamDecoder(request, contextOf(id));
      const message =
        adapter.framing === "aws-event-stream"
          ? { event: "messageStart", data: "{not json", headers: { ":event-type": "messageStart" } }
          : { data: "{not json" };
      assert.throws(
        () => decoder.decode(message),
        (error: unknown) =>
          error instanceof GatewayError && error.kind === "upstream_protocol" && error.provider === id,
      );
    });
  }
});
