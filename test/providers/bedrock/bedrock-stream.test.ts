import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { UpstreamMessage } from "../../../src/core/types/provider.js";
import { BedrockStreamDecoder } from "../../../src/providers/bedrock/bedrock-stream-decoder.js";
import {
  AwsEventStreamParser,
  encodeAwsEventStreamMessage,
} from "../../../src/providers/shared/aws-event-stream.js";
import { type Collected, collect, decodeAll, onlyChoice } from "../support/collect-events.js";
import {
  cassetteResponseBytes,
  randomSplit,
  readCassette,
  readCorpusJson,
  readCorpusLines,
  SPLIT_SEEDS,
  seededRandom,
} from "../support/conformance.js";
import { makeContext, makeDeployment } from "../support/deployment.js";

const context = makeContext(makeDeployment("bedrock", "us.amazon.nova-micro-v1:0"), true);

/** Frames bytes (split however), then decodes: the whole path execute.ts runs for Bedrock. */
function replay(bytes: Uint8Array, seed?: number): Collected {
  const parser = new AwsEventStreamParser();
  const pieces = seed === undefined ? [bytes] : randomSplit(bytes, seededRandom(seed), 64);
  const messages: UpstreamMessage[] = [];
  for (const piece of pieces) messages.push(...parser.push(piece));
  messages.push(...parser.end());
  const decoder = new BedrockStreamDecoder(context);
  const result = collect(decodeAll(decoder, messages));
  assert.equal(decoder.done, true, "done once metadata followed messageStop");
  return result;
}

/** `.events.jsonl` lines re-encoded as event-stream messages, as a fake Bedrock would send them. */
function encodeEvents(file: string): Uint8Array {
  const frames = readCorpusLines("bedrock", file).map((line) => {
    const event = JSON.parse(line) as Record<string, unknown>;
    const [type, payload] = Object.entries(event)[0] as [string, unknown];
    return encodeAwsEventStreamMessage(
      { ":event-type": type, ":content-type": "application/json", ":message-type": "event" },
      JSON.stringify(payload),
    );
  });
  return Buffer.concat(frames);
}

function replayEverySplit(bytes: Uint8Array): Collected {
  const whole = replay(bytes);
  for (const seed of SPLIT_SEEDS) {
    const split = replay(bytes, seed);
    assert.deepEqual(split.events.map(stripCreated), whole.events.map(stripCreated));
  }
  return whole;
}

function stripCreated(event: object): object {
  const { created: _created, ...rest } = event as { created?: number };
  return rest;
}

describe("BedrockStreamDecoder replaying recordings", () => {
  it("live capture: text, end_turn, usage from metadata after messageStop", () => {
    const capture = readCorpusJson("bedrock", "converse-stream-live.eventstream.b64.json") as {
      response: { bodyBase64: string };
    };
    const result = replayEverySplit(new Uint8Array(Buffer.from(capture.response.bodyBase64, "base64")));
    const choice = onlyChoice(result);
    assert.equal(choice.text, "OK.");
    assert.equal(choice.finish, "stop");
    assert.equal(choice.providerFinish, "end_turn");
    assert.ok(result.usage);
    assert.equal(result.usage.totalTokens, result.usage.promptTokens + result.usage.completionTokens);
    assert.equal(result.events.at(-1)?.type, "usage");
  });

  it("converse-stream-text.events.jsonl: text blocks without contentBlockStart", () => {
    const result = replayEverySplit(encodeEvents("converse-stream-text.events.jsonl"));
    const choice = onlyChoice(result);
    assert.equal(
      choice.text,
      'Let me count the "r"s in "strawberry":\n\ns-t-**r**-a-w-b-e-**r**-**r**-y\n\nThere are **3** r\'s in "strawberry."',
    );
    assert.equal(choice.finish, "stop");
    assert.deepEqual(result.usage, { promptTokens: 22, completionTokens: 55, totalTokens: 77 });
  });

  it("converse-stream-reasoning.events.jsonl: reasoning text then signature, then text", () => {
    const result = replayEverySplit(encodeEvents("converse-stream-reasoning.events.jsonl"));
    const choice = onlyChoice(result);
    assert.ok(choice.reasoning.startsWith('Let me count the r\'s in "strawberry":'));
    assert.equal(choice.signatures.length, 1);
    assert.ok(choice.signatures[0]?.startsWith("Ep0CCkgICxABGAIq"));
    assert.ok(choice.text.length > 0);
    const firstText = result.events.findIndex((event) => event.type === "text-delta");
    const lastReasoning = result.events.findLastIndex((event) => event.type === "reasoning-delta");
    assert.ok(lastReasoning < firstText, "reasoning precedes the answer");
  });

  it("cassette tool call stream: contentBlockStart toolUse, string input fragments, stopReason tool_use", () => {
    const [first, second] = readCassette("bedrock", "cassette-converse-iter-stream.yaml");
    const toolTurn = replayEverySplit(cassetteResponseBytes(first!));
    const choice = onlyChoice(toolTurn);
    assert.equal(choice.finish, "tool_calls");
    assert.equal(choice.toolCalls.length, 1);
    assert.equal(choice.toolCalls[0]?.id, "tooluse_lAG_zP8QRHmSYOwZzzaCqA");
    assert.equal(choice.toolCalls[0]?.name, "get_temperature");
    assert.deepEqual(JSON.parse(choice.toolCalls[0]?.arguments ?? ""), { city: "Paris" });
    assert.ok(choice.text.startsWith("<thinking>"), "Nova's inline <thinking> text passes through as text");
    const answer = onlyChoice(replayEverySplit(cassetteResponseBytes(second!)));
    assert.equal(answer.finish, "stop");
    assert.match(answer.text, /30/);
  });

  it("cassette text stream and thinking stream decode with usage", () => {
    const [plain] = readCassette("bedrock", "cassette-converse-stream.yaml");
    const text = replayEverySplit(cassetteResponseBytes(plain!));
    assert.ok(onlyChoice(text).text.length > 0);
    assert.ok(text.usage && text.usage.completionTokens > 0);
    const [thinking] = readCassette("bedrock", "cassette-converse-thinking-part-stream.yaml");
    const reasoning = replayEverySplit(cassetteResponseBytes(thinking!));
    const choice = onlyChoice(reasoning);
    assert.ok(choice.reasoning.startsWith("The"));
    assert.equal(choice.signatures.length, 1);
    assert.ok(choice.text.length > 0);
  });

  it("a tool call with no input gets '{}' arguments", () => {
    const frames = [
      ["messageStart", { role: "assistant" }],
      [
        "contentBlockStart",
        { contentBlockIndex: 0, start: { toolUse: { toolUseId: "tooluse_1", name: "now" } } },
      ],
      ["contentBlockStop", { contentBlockIndex: 0 }],
      ["messageStop", { stopReason: "tool_use" }],
      ["metadata", { usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7, cacheReadInputTokens: 2 } }],
    ].map(([type, payload]) =>
      encodeAwsEventStreamMessage(
        { ":event-type": type as string, ":message-type": "event" },
        JSON.stringify(payload),
      ),
    );
    const result = replay(Buffer.concat(frames));
    assert.deepEqual(onlyChoice(result).toolCalls, [{ id: "tooluse_1", name: "now", arguments: "{}" }]);
    assert.deepEqual(result.usage, {
      promptTokens: 5,
      completionTokens: 4,
      totalTokens: 7,
      cachedPromptTokens: 2,
    });
  });
});

describe("BedrockStreamDecoder JSON mode", () => {
  it("the emulated JSON tool streams as text and finishes with stop", () => {
    const frames = [
      ["messageStart", { role: "assistant" }],
      [
        "contentBlockStart",
        { contentBlockIndex: 0, start: { toolUse: { toolUseId: "t1", name: "switchboard_json_response" } } },
      ],
      ["contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: '{"city":' } } }],
      ["contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: '"Paris"}' } } }],
      ["contentBlockStop", { contentBlockIndex: 0 }],
      ["messageStop", { stopReason: "tool_use" }],
      ["metadata", { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } }],
    ].map(([type, payload]) =>
      encodeAwsEventStreamMessage(
        { ":event-type": type as string, ":message-type": "event" },
        JSON.stringify(payload),
      ),
    );
    const choice = onlyChoice(replay(Buffer.concat(frames)));
    assert.equal(choice.text, '{"city":"Paris"}');
    assert.deepEqual(choice.toolCalls, []);
    assert.equal(choice.finish, "stop");
  });
});

describe("BedrockStreamDecoder in-stream exceptions", () => {
  const cases: [string, string][] = [
    ["throttlingException", "upstream_rate_limited"],
    ["modelStreamErrorException", "upstream_unavailable"],
    ["serviceUnavailableException", "upstream_unavailable"],
    ["internalServerException", "upstream_unavailable"],
    ["validationException", "upstream_bad_request"],
  ];
  for (const [exceptionType, kind] of cases) {
    it(`${exceptionType} after text → ${kind}`, () => {
      const decoder = new BedrockStreamDecoder(context);
      const parser = new AwsEventStreamParser();
      const bytes = Buffer.concat([
        encodeAwsEventStreamMessage(
          { ":event-type": "messageStart", ":message-type": "event" },
          '{"role":"assistant"}',
        ),
        encodeAwsEventStreamMessage(
          { ":event-type": "contentBlockDelta", ":message-type": "event" },
          '{"contentBlockIndex":0,"delta":{"text":"Hel"}}',
        ),
        encodeAwsEventStreamMessage(
          {
            ":exception-type": exceptionType,
            ":content-type": "application/json",
            ":message-type": "exception",
          },
          '{"message":"Something went wrong upstream."}',
        ),
      ]);
      const messages = parser.push(bytes);
      assert.equal(decoder.decode(messages[0]!).length, 1);
      assert.deepEqual(decoder.decode(messages[1]!), [{ type: "text-delta", choice: 0, text: "Hel" }]);
      assert.throws(
        () => decoder.decode(messages[2]!),
        (error: unknown) =>
          error instanceof GatewayError &&
          error.kind === kind &&
          error.provider === "bedrock" &&
          error.message.includes("Something went wrong upstream."),
      );
    });
  }

  it("a stream cut before messageStop is an upstream_protocol error at end()", () => {
    const decoder = new BedrockStreamDecoder(context);
    decoder.decode({
      event: "messageStart",
      data: '{"role":"assistant"}',
      headers: { ":message-type": "event" },
    });
    assert.throws(
      () => decoder.end(),
      (error: unknown) => error instanceof GatewayError && error.kind === "upstream_protocol",
    );
  });
});
