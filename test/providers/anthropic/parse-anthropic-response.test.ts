import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import { ANTHROPIC_JSON_TOOL_NAME } from "../../../src/providers/anthropic/convert-to-anthropic-request.js";
import { parseAnthropicResponse } from "../../../src/providers/anthropic/parse-anthropic-response.js";
import { readCassette, readJsonFixture } from "../../helpers/provider-fixtures.js";

const now = () => 1_700_000_000_000;

describe("anthropic response parsing (recorded)", () => {
  it("maps text, stop reason and usage (messages-basic.json)", () => {
    const response = parseAnthropicResponse(readJsonFixture("anthropic/messages-basic.json"), now);
    assert.equal(response.id, "msg_01VdEjxAP5ahtHKrrRdNBteQ");
    assert.equal(response.model, "claude-sonnet-4-5-20250929");
    assert.equal(response.created, 1_700_000_000);
    assert.equal(response.choices.length, 1);
    assert.match(response.choices[0]!.message.content!, /^Hello! I'm doing well/);
    assert.equal(response.choices[0]!.finishReason, "stop");
    assert.equal(response.choices[0]!.providerFinishReason, "end_turn");
    assert.deepEqual(response.usage, {
      promptTokens: 12,
      completionTokens: 29,
      totalTokens: 41,
      cachedPromptTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it("keeps thinking with its signature as reasoning (messages-thinking.json)", () => {
    const response = parseAnthropicResponse(readJsonFixture("anthropic/messages-thinking.json"), now);
    const message = response.choices[0]!.message;
    assert.equal(message.content, "925 ÷ 5 = 185");
    assert.equal(message.reasoning?.length, 1);
    assert.equal(message.reasoning?.[0]?.text, "925 divided by 5 = 185");
    assert.match(message.reasoning?.[0]?.signature ?? "", /^Er4BCkYICxgCKkCoxq/);
    assert.equal(response.usage?.completionTokens, 33);
  });

  it("turns four parallel tool_use blocks into four tool calls (cassette-parallel-tool-calls)", () => {
    const [first, second] = readCassette("anthropic/cassette-parallel-tool-calls.yaml");
    const response = parseAnthropicResponse(first!.response.parsed_body, now);
    const choice = response.choices[0]!;
    assert.equal(choice.finishReason, "tool_calls");
    assert.match(choice.message.content!, /^I'll help you find out who is the youngest/);
    assert.deepEqual(
      choice.message.toolCalls?.map((call) => [call.id, call.name, JSON.parse(call.arguments)]),
      [
        ["toolu_0167cfEnoQaPviGdVXA95zcu", "retrieve_entity_info", { name: "Alice" }],
        ["toolu_01EEe2V5HD1Ac4rKiUR4HD2T", "retrieve_entity_info", { name: "Bob" }],
        ["toolu_01XFyAjstT3966qvRynZyVPo", "retrieve_entity_info", { name: "Charlie" }],
        ["toolu_013mnQZbgtK2oe3Mo3XKJsx3", "retrieve_entity_info", { name: "Daisy" }],
      ],
    );
    const answer = parseAnthropicResponse(second!.response.parsed_body, now);
    assert.match(answer.choices[0]!.message.content!, /Daisy is the youngest/);
    assert.equal(answer.usage?.promptTokens, 771);
  });

  it("counts cache reads and writes into prompt tokens (cassette-prompt-cache)", () => {
    const [first, second] = readCassette("anthropic/cassette-prompt-cache.yaml");
    assert.deepEqual(parseAnthropicResponse(first!.response.parsed_body, now).usage, {
      promptTokens: 3 + 0 + 1111,
      completionTokens: 406,
      totalTokens: 1520,
      cachedPromptTokens: 1111,
      cacheWriteTokens: 0,
    });
    const usage = parseAnthropicResponse(second!.response.parsed_body, now).usage!;
    assert.equal(usage.cachedPromptTokens, 1111);
    assert.equal(usage.cacheWriteTokens, 418);
    const recorded = second!.response.parsed_body as { usage: { input_tokens: number } };
    assert.equal(usage.promptTokens, recorded.usage.input_tokens + 418 + 1111);
  });

  it("returns the forced JSON tool's input as content with finish stop", () => {
    const response = parseAnthropicResponse(
      {
        id: "msg_1",
        model: "claude-haiku-4-5",
        content: [
          { type: "tool_use", id: "toolu_1", name: ANTHROPIC_JSON_TOOL_NAME, input: { city: "Paris" } },
        ],
        stop_reason: "tool_use",
        usage: { input_tokens: 1, output_tokens: 2 },
      },
      now,
    );
    assert.equal(response.choices[0]!.message.content, '{"city":"Paris"}');
    assert.equal(response.choices[0]!.message.toolCalls, undefined);
    assert.equal(response.choices[0]!.finishReason, "stop");
  });

  it("maps max_tokens and refusal stop reasons", () => {
    const make = (stop_reason: string) =>
      parseAnthropicResponse({ id: "m", model: "c", content: [], stop_reason }, now).choices[0]!.finishReason;
    assert.equal(make("max_tokens"), "length");
    assert.equal(make("refusal"), "content_filter");
    assert.equal(make("stop_sequence"), "stop");
    assert.equal(make("model_context_window_exceeded"), "length");
  });

  it("reports a body it cannot read as an upstream protocol error", () => {
    assert.throws(
      () => parseAnthropicResponse({ nope: true }, now),
      (error: unknown) => error instanceof GatewayError && error.kind === "upstream_protocol",
    );
  });
});
