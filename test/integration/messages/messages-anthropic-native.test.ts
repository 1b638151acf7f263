/**
 * The official `@anthropic-ai/sdk` against the gateway's /v1/messages, served by an Anthropic deployment whose
 * upstream replays the recorded cassettes (test/fixtures/conformance/anthropic). Lossless pass-through: the
 * body the upstream receives is compared with the request the cassette recorded — cache_control, thinking
 * (budget and adaptive), signatures, tool_result round trips and betas intact.
 */
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import type { App } from "../../../src/app.js";
import { deployment, MASTER_KEY, startTestGateway } from "../../helpers/gateway.js";
import { type CassetteInteraction, readCassette, readFixture } from "../../helpers/provider-fixtures.js";
import { RecordingUpstream } from "./recording-upstream.js";

let upstream: RecordingUpstream;
let app: App;
let client: Anthropic;

before(async () => {
  upstream = await new RecordingUpstream().start();
  app = await startTestGateway([
    deployment("claude-*", "anthropic", "claude-*", {
      apiKey: "sk-ant-upstream-canary",
      apiBase: upstream.url,
    }),
  ]);
  client = new Anthropic({ apiKey: MASTER_KEY, baseURL: app.url, maxRetries: 0 });
});

after(async () => {
  await app.close(1000);
  await upstream.close();
});

/** Absent `is_error` means false: the one spelling difference between two equal Messages bodies. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === "is_error" && child === false) continue;
    out[key] = normalise(child);
  }
  return out;
}

/** Replays one cassette interaction: the recorded answer is the upstream's reply. */
function replay(interaction: CassetteInteraction): void {
  const path = new URL(interaction.request.uri).pathname;
  const response = interaction.response;
  if (response.body?.string !== undefined) upstream.sse(path, response.body.string);
  else upstream.json(path, response.parsed_body, response.status.code);
}

function recordedBody(interaction: CassetteInteraction): Record<string, unknown> {
  const body = structuredClone(interaction.request.parsed_body ?? {});
  delete body["stream"];
  return body;
}

function assertSameBody(interaction: CassetteInteraction): void {
  const sent = upstream.last();
  assert.equal(sent.path, new URL(interaction.request.uri).pathname);
  assert.deepEqual(normalise(sent.body), normalise(interaction.request.parsed_body));
}

describe("/v1/messages → Anthropic (native, lossless)", () => {
  it("unary: parallel tool calls, then the tool_result round trip, bodies as recorded", async () => {
    const [first, second] = readCassette("anthropic/cassette-parallel-tool-calls.yaml") as [
      CassetteInteraction,
      CassetteInteraction,
    ];
    replay(first);
    const message = await client.messages.create(recordedBody(first) as never);
    assertSameBody(first);
    assert.equal(message.stop_reason, "tool_use");
    const calls = message.content.filter((block) => block.type === "tool_use");
    assert.deepEqual(
      calls.map((call) => [call.id, call.input]),
      [
        ["toolu_0167cfEnoQaPviGdVXA95zcu", { name: "Alice" }],
        ["toolu_01EEe2V5HD1Ac4rKiUR4HD2T", { name: "Bob" }],
        ["toolu_01XFyAjstT3966qvRynZyVPo", { name: "Charlie" }],
        ["toolu_013mnQZbgtK2oe3Mo3XKJsx3", { name: "Daisy" }],
      ],
    );
    // The gateway's own id (the ledger's), not the upstream's msg_011S3wxtqL5CVescWqS3zeg2.
    assert.match(message.id, /^msg_[A-Za-z0-9]+$/);
    assert.notEqual(message.id, "msg_011S3wxtqL5CVescWqS3zeg2");
    assert.deepEqual(
      [message.usage.input_tokens, message.usage.output_tokens, message.usage.cache_read_input_tokens],
      [423, 202, 0],
    );

    replay(second);
    const answer = await client.messages.create(recordedBody(second) as never);
    assertSameBody(second);
    assert.equal(answer.stop_reason, "end_turn");
    assert.match(answer.content[0]?.type === "text" ? answer.content[0].text : "", /Daisy is the youngest/);
  });

  it("top-level cache_control (automatic caching) reaches the upstream; cache counts come back", async () => {
    const [, second] = readCassette("anthropic/cassette-prompt-cache.yaml") as [
      CassetteInteraction,
      CassetteInteraction,
    ];
    replay(second);
    const message = await client.messages.create(recordedBody(second) as never);
    assertSameBody(second);
    assert.deepEqual(message.usage.cache_read_input_tokens, 1111);
    assert.deepEqual(message.usage.cache_creation_input_tokens, 418);
    assert.deepEqual(message.usage.input_tokens, 3);
  });

  it("image URL input and a system string, as recorded", async () => {
    for (const path of [
      "anthropic/cassette-image-url-input.yaml",
      "anthropic/cassette-system-top-level.yaml",
    ]) {
      const [interaction] = readCassette(path) as [CassetteInteraction];
      replay(interaction);
      await client.messages.create(recordedBody(interaction) as never);
      assertSameBody(interaction);
    }
  });

  it("countTokens asks the upstream's count_tokens, then create with adaptive thinking, both as recorded", async () => {
    const [count, create] = readCassette("anthropic/cassette-count-tokens-then-create.yaml") as [
      CassetteInteraction,
      CassetteInteraction,
    ];
    replay(count);
    const counted = await client.messages.countTokens(recordedBody(count) as never).withResponse();
    assertSameBody(count);
    assert.equal(counted.data.input_tokens, 671);
    assert.equal(counted.response.headers.get("x-switchboard-token-count"), "upstream");

    replay(create);
    const message = await client.messages.create(recordedBody(create) as never);
    assertSameBody(create);
    assert.equal(message.usage.input_tokens, 671);
    assert.equal(message.content[0]?.type, "tool_use");
  });

  it("messages.stream with thinking: the signature and the text arrive intact, usage at the end", async () => {
    const [interaction] = readCassette("anthropic/cassette-stream-thinking.yaml") as [CassetteInteraction];
    replay(interaction);
    const stream = client.messages.stream(recordedBody(interaction) as never);
    const events: string[] = [];
    stream.on("streamEvent", (event) => events.push(event.type));
    const message = await stream.finalMessage();
    assertSameBody(interaction);
    const recorded = interaction.response.body?.string ?? "";
    const signature = /"signature_delta","signature":"([^"]+)"/.exec(recorded)?.[1];
    assert.ok(signature !== undefined && signature.length > 20);
    const thinking = message.content[0];
    assert.equal(thinking?.type, "thinking");
    assert.equal(thinking?.type === "thinking" ? thinking.signature : "", signature);
    assert.match(
      thinking?.type === "thinking" ? thinking.thinking : "",
      /^This is a straightforward question/,
    );
    assert.equal(message.content[1]?.type, "text");
    assert.equal(message.usage.input_tokens, 43);
    assert.equal(events[0], "message_start");
    assert.equal(events.at(-1), "message_stop");
    assert.equal(events.at(-2), "message_delta");
  });

  it("redacted thinking blocks stream through as opaque data", async () => {
    const [interaction] = readCassette("anthropic/cassette-stream-redacted-thinking.yaml") as [
      CassetteInteraction,
    ];
    replay(interaction);
    const message = await client.messages.stream(recordedBody(interaction) as never).finalMessage();
    assertSameBody(interaction);
    const redacted = message.content.filter((block) => block.type === "redacted_thinking");
    assert.equal(redacted.length, 2);
    assert.match(redacted[0]?.type === "redacted_thinking" ? redacted[0].data : "", /^EqkECkYIBxgCKkA8AZ4n/);
  });

  it("messages.stream with a tool call: input_json_delta fragments assemble into the input", async () => {
    upstream.sse("/v1/messages", readFixture("anthropic/messages-stream-tool-use.sse"));
    const stream = client.messages.stream({
      model: "claude-sonnet-4-20250514",
      max_tokens: 1024,
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [
        {
          name: "get_weather",
          input_schema: { type: "object", properties: { location: { type: "string" } } },
        },
      ],
    });
    const message = await stream.finalMessage();
    assert.equal(message.stop_reason, "tool_use");
    const call = message.content.find((block) => block.type === "tool_use");
    assert.deepEqual(call?.type === "tool_use" ? call.input : undefined, { location: "Paris" });
    assert.equal(call?.type === "tool_use" ? call.id : "", "toolu_01NRLabsLyVHZPKxbKvkfSMn");
    assert.equal(message.usage.input_tokens, 377);
  });

  it("betas go upstream as anthropic-beta; the caller's key never does", async () => {
    const [interaction] = readCassette("anthropic/cassette-system-top-level.yaml") as [CassetteInteraction];
    replay(interaction);
    await client.beta.messages.create({
      ...(recordedBody(interaction) as never as Anthropic.Beta.MessageCreateParamsNonStreaming),
      betas: ["interleaved-thinking-2025-05-14", "context-1m-2025-08-07"],
    });
    const sent = upstream.last();
    assert.equal(sent.headers["anthropic-beta"], "interleaved-thinking-2025-05-14,context-1m-2025-08-07");
    assert.equal(sent.headers["x-api-key"], "sk-ant-upstream-canary");
    assert.equal(sent.headers["anthropic-version"], "2023-06-01");
    assert.ok(!JSON.stringify(sent).includes(MASTER_KEY));
  });

  it("Authorization: Bearer works as well as x-api-key", async () => {
    const [interaction] = readCassette("anthropic/cassette-system-top-level.yaml") as [CassetteInteraction];
    replay(interaction);
    const bearer = new Anthropic({ authToken: MASTER_KEY, apiKey: null, baseURL: app.url, maxRetries: 0 });
    const message = await bearer.messages.create(recordedBody(interaction) as never);
    assert.equal(
      message.content[0]?.type === "text" ? message.content[0].text : "",
      "The capital of France is Paris.",
    );
  });
});

describe("/v1/messages → Anthropic: the stop sequence that matched", () => {
  // No recording stops on a stop sequence, so these replies are the recorded ones with the two fields Anthropic's
  // API reference (and the SDK's `Message.stop_sequence: string | null`) sets when one matches.
  it("unary: stop_reason stop_sequence and the matched sequence come back as the upstream said", async () => {
    const recorded = JSON.parse(readFixture("anthropic/messages-basic.json")) as Record<string, unknown>;
    upstream.json("/v1/messages", { ...recorded, stop_reason: "stop_sequence", stop_sequence: "###" });
    const message = await client.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 64,
      stop_sequences: ["###", "END"],
      messages: [{ role: "user", content: "Count to three, then write ###." }],
    });
    assert.deepEqual(upstream.last().body["stop_sequences"], ["###", "END"]);
    assert.equal(message.stop_reason, "stop_sequence");
    assert.equal(message.stop_sequence, "###");
  });

  it("stream: message_delta carries the matched sequence", async () => {
    const recorded = readFixture("anthropic/messages-stream-text.sse").replace(
      /"stop_reason":"end_turn","stop_sequence":null/,
      '"stop_reason":"stop_sequence","stop_sequence":"END"',
    );
    assert.ok(recorded.includes('"stop_sequence":"END"'), "the recording has a message_delta to adapt");
    upstream.sse("/v1/messages", recorded);
    const stream = client.messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 64,
      stop_sequences: ["END"],
      messages: [{ role: "user", content: "Say hi, then END." }],
    });
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, "stop_sequence");
    assert.equal(final.stop_sequence, "END");
  });
});
