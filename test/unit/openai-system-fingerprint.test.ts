import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OpenAIChunkWriter, toOpenAIResponse } from "../../src/rest/to-openai.js";
import { assertValid, openAISchemas } from "../helpers/openai-schemas.js";

describe("a provider's null system_fingerprint (Azure) never reaches OpenAI callers", () => {
  const schemas = openAISchemas();

  it("is left out of chunks, which then match OpenAI's schema", () => {
    const writer = new OpenAIChunkWriter("fallback", "m", false);
    const text = writer.write([
      { type: "response-start", id: "chatcmpl-1", model: "gpt-5-nano", created: 1, systemFingerprint: null },
      { type: "text-delta", choice: 0, text: "Hi" },
    ]);
    const chunk = JSON.parse(text.slice("data: ".length)) as Record<string, unknown>;
    assert.equal("system_fingerprint" in chunk, false);
    assertValid(schemas.chunk, chunk, "chunk");
  });

  it("is left out of unary responses, and a string one is kept", () => {
    const base = {
      id: "chatcmpl-1",
      model: "m",
      created: 1,
      choices: [{ index: 0, message: { content: "Hi" }, finishReason: "stop" as const }],
    };
    const withNull = toOpenAIResponse({ ...base, systemFingerprint: null }, "fallback");
    assert.equal("system_fingerprint" in withNull, false);
    assertValid(schemas.response, withNull, "response");
    assert.equal(toOpenAIResponse({ ...base, systemFingerprint: "fp_1" }, "x")["system_fingerprint"], "fp_1");
  });
});
