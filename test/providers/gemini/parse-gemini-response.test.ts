import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseGeminiResponse } from "../../../src/providers/gemini/parse-gemini-response.js";
import { readCassette, readJsonFixture, readRecording } from "../../helpers/provider-fixtures.js";

const options = { provider: "gemini", model: "gemini-test", now: () => 1_700_000_000_000 };

describe("gemini response parsing (recorded)", () => {
  it("maps text, its thought signature and usage with thoughts (generate-content-basic.json)", () => {
    const response = parseGeminiResponse(readJsonFixture("gemini/generate-content-basic.json"), options);
    assert.equal(response.id, "Un6LacrVMcjUxs0PmJfWoQc");
    assert.equal(response.model, "gemini-3-pro-preview");
    const choice = response.choices[0]!;
    assert.match(choice.message.content!, /^There are \*\*3\*\* r's in strawberry/);
    assert.equal(choice.finishReason, "stop");
    assert.match(choice.message.reasoning?.[0]?.signature ?? "", /^EtoFCtcFAb4/);
    // 9 prompt + 28 candidates + 244 thoughts = 281; thoughts count as completion (reasoning) tokens.
    assert.deepEqual(response.usage, {
      promptTokens: 9,
      completionTokens: 272,
      totalTokens: 281,
      reasoningTokens: 244,
    });
  });

  it("gives a function call an id, its arguments and signature, and finish tool_calls (generate-content-function-call.json)", () => {
    const response = parseGeminiResponse(
      readJsonFixture("gemini/generate-content-function-call.json"),
      options,
    );
    const choice = response.choices[0]!;
    assert.equal(choice.finishReason, "tool_calls");
    assert.equal(choice.providerFinishReason, "STOP");
    const call = choice.message.toolCalls![0]!;
    assert.match(call.id, /^call_[A-Za-z0-9_-]{16}$/);
    assert.equal(call.name, "weather");
    assert.deepEqual(JSON.parse(call.arguments), { location: "San Francisco" });
    assert.match(String(call.providerOptions?.["thoughtSignature"]), /^EskgCsYgAb4/);
  });

  it("gives an argument-less call '{}' (cassette-tool-roundtrip)", () => {
    const [first] = readCassette("gemini/cassette-tool-roundtrip.yaml");
    const call = parseGeminiResponse(first!.response.parsed_body, options).choices[0]!.message.toolCalls![0]!;
    assert.equal(call.name, "get_user_country");
    assert.equal(call.arguments, "{}");
  });

  it("survives a safety block with empty content (cassette-safety-block)", () => {
    const [interaction] = readCassette("gemini/cassette-safety-block.yaml");
    const response = parseGeminiResponse(interaction!.response.parsed_body, options);
    assert.equal(response.choices[0]!.message.content, null);
    assert.equal(response.choices[0]!.finishReason, "content_filter");
    assert.deepEqual(response.usage, { promptTokens: 14, completionTokens: 0, totalTokens: 14 });
  });

  it("maps MAX_TOKENS to length (cassette-max-tokens)", () => {
    const [interaction] = readCassette("gemini/cassette-max-tokens.yaml");
    const choice = parseGeminiResponse(interaction!.response.parsed_body, options).choices[0]!;
    assert.equal(choice.message.content, "The capital of France is");
    assert.equal(choice.finishReason, "length");
  });

  it("keeps thought parts out of the answer (recording-thought-field)", () => {
    const [interaction] = readRecording("gemini/recording-thought-field.json");
    const response = parseGeminiResponse(interaction!.response.bodySegments[0], options);
    const choice = response.choices[0]!;
    assert.equal(choice.message.content, null);
    assert.match(choice.message.reasoning?.[0]?.text ?? "", /^\*\*Breaking Down the Sum of Natural Numbers/);
    assert.equal(choice.finishReason, "length");
    assert.equal(response.usage?.reasoningTokens, response.usage?.completionTokens);
  });

  it("returns JSON output as content (recording-response-json-schema)", () => {
    const [interaction] = readRecording("gemini/recording-response-json-schema.json");
    const response = parseGeminiResponse(interaction!.response.bodySegments[0], options);
    assert.equal(
      (JSON.parse(response.choices[0]!.message.content!) as { simpleString: string }).simpleString,
      "Hello",
    );
  });

  it("uses Vertex's createTime and image prompt tokens (cassette-vertex-file-uri-input)", () => {
    const [interaction] = readCassette("gemini/cassette-vertex-file-uri-input.yaml");
    const response = parseGeminiResponse(interaction!.response.parsed_body, options);
    assert.equal(response.created, Math.floor(Date.parse("2025-05-31T21:26:25.776828Z") / 1000));
    assert.deepEqual(response.usage, { promptTokens: 2589, completionTokens: 33, totalTokens: 2622 });
  });

  it("turns a blocked prompt (no candidates) into a content_filter finish", () => {
    const response = parseGeminiResponse(
      {
        promptFeedback: { blockReason: "SAFETY" },
        usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 },
      },
      options,
    );
    assert.equal(response.choices[0]!.finishReason, "content_filter");
    assert.equal(response.model, "gemini-test");
  });
});
