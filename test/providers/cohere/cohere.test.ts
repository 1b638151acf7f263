import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatRequest } from "../../../src/core/types/chat.js";
import { CohereStreamDecoder } from "../../../src/providers/cohere/cohere-stream-decoder.js";
import { convertToCohereRequest } from "../../../src/providers/cohere/convert-to-cohere-request.js";
import { cohereAdapter } from "../../../src/providers/cohere/index.js";
import { parseCohereResponse } from "../../../src/providers/cohere/parse-cohere-response.js";
import { type Collected, collect, decodeAll, onlyChoice } from "../support/collect-events.js";
import {
  cassetteRequestBody,
  readCassette,
  readCorpusJson,
  readCorpusLines,
  SPLIT_SEEDS,
} from "../support/conformance.js";
import { makeContext, makeDeployment } from "../support/deployment.js";
import { parseSse, sseBytes } from "../support/framing.js";

const deployment = makeDeployment("cohere", "command-r7b-12-2024", { apiKey: "co-test-key" });
const context = makeContext(deployment, true);

function isKind(kind: string, param?: string) {
  return (error: unknown) =>
    error instanceof GatewayError && error.kind === kind && (param === undefined || error.param === param);
}

function replay(file: string): Collected {
  const bytes = sseBytes(readCorpusLines("cohere", file), { eventFromType: true });
  let first: Collected | undefined;
  for (const seed of [undefined, ...SPLIT_SEEDS]) {
    const result = collect(decodeAll(new CohereStreamDecoder(context), parseSse(bytes, seed)));
    if (first === undefined) first = result;
    else assert.deepEqual(result.choices, first.choices);
  }
  return first as Collected;
}

describe("cohere request", () => {
  it("matches the recorded request (cassette-chat-v2-cached-tokens) and targets /v2/chat with a bearer key", async () => {
    const [interaction] = readCassette("cohere", "cassette-chat-v2-cached-tokens.yaml");
    const recorded = cassetteRequestBody(interaction!) as { messages: { role: string; content: string }[] };
    const request: ChatRequest = {
      model: "cohere/command-r7b-12-2024",
      messages: recorded.messages.map((message) => ({
        role: message.role as "system" | "user",
        content: message.content,
      })),
    };
    const upstream = await cohereAdapter.buildRequest(request, makeContext(deployment, false));
    assert.equal(upstream.url, interaction?.request.uri);
    assert.equal(upstream.headers.authorization, "Bearer co-test-key");
    assert.deepEqual(JSON.parse(upstream.body as string), recorded);
  });

  it("tools, forced tool, json schema, sampling names, tool round trip with tool_plan", () => {
    const body = convertToCohereRequest(
      {
        model: "m",
        messages: [
          { role: "user", content: "Weather in SF?" },
          {
            role: "assistant",
            content: "I will use the weather tool.",
            toolCalls: [{ id: "weather_1", name: "weather", arguments: '{"location":"SF"}' }],
          },
          { role: "tool", toolCallId: "weather_1", content: "20C" },
        ],
        tools: [
          { name: "weather", parameters: { type: "object", properties: { location: { type: "string" } } } },
          { name: "other" },
        ],
        toolChoice: { type: "function", name: "weather" },
        responseFormat: { type: "json_schema", name: "x", schema: { type: "object" } },
        topP: 0.9,
        topK: 40,
        stop: ["END"],
        maxTokens: 100,
        reasoningEffort: "medium",
      },
      "command-a-reasoning-08-2025",
      false,
    );
    assert.deepEqual(body, {
      model: "command-a-reasoning-08-2025",
      stream: false,
      messages: [
        { role: "user", content: "Weather in SF?" },
        {
          role: "assistant",
          tool_plan: "I will use the weather tool.",
          tool_calls: [
            {
              id: "weather_1",
              type: "function",
              function: { name: "weather", arguments: '{"location":"SF"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "weather_1", content: "20C" },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "weather",
            parameters: { type: "object", properties: { location: { type: "string" } } },
          },
        },
      ],
      tool_choice: "REQUIRED",
      response_format: { type: "json_object", json_schema: { type: "object" } },
      max_tokens: 100,
      p: 0.9,
      k: 40,
      stop_sequences: ["END"],
      thinking: { type: "enabled", token_budget: 2048 },
    });
  });

  it("rejects what Cohere cannot take, unless drop_params", () => {
    const base: ChatRequest = { model: "m", messages: [{ role: "user", content: "x" }] };
    assert.throws(
      () => convertToCohereRequest({ ...base, n: 2 }, "m", false),
      isKind("unsupported_parameter", "n"),
    );
    assert.throws(
      () => convertToCohereRequest({ ...base, logitBias: { a: 1 } }, "m", false),
      isKind("unsupported_parameter", "logit_bias"),
    );
    assert.throws(
      () => convertToCohereRequest({ ...base, passthrough: { foo: 1 } }, "m", false),
      isKind("unsupported_parameter", "foo"),
    );
    const dropped = convertToCohereRequest(
      { ...base, n: 2, user: "u", passthrough: { foo: 1 }, dropParams: true },
      "m",
      false,
    );
    assert.deepEqual(dropped, { model: "m", stream: false, messages: [{ role: "user", content: "x" }] });
  });

  it("missing key is upstream_auth", () => {
    assert.throws(
      () =>
        cohereAdapter.buildRequest({ model: "m", messages: [] }, makeContext(makeDeployment("cohere", "m"))),
      (error: unknown) =>
        error instanceof GatewayError && error.kind === "upstream_auth" && !/co-test-key/.test(error.message),
    );
  });
});

describe("cohere responses", () => {
  it("chat-v2-basic.json: text, COMPLETE, tokens with cached subset", () => {
    const response = parseCohereResponse(readCorpusJson("cohere", "chat-v2-basic.json"), context);
    assert.equal(response.choices[0]?.message.content, "The capital of France is Paris.");
    assert.equal(response.choices[0]?.finishReason, "stop");
    assert.deepEqual(response.usage, {
      promptTokens: 507,
      completionTokens: 10,
      totalTokens: 517,
      cachedPromptTokens: 448,
    });
  });

  it("chat-v2-tool-call.json: two tool calls, tool_plan as content, TOOL_CALL", () => {
    const response = parseCohereResponse(readCorpusJson("cohere", "chat-v2-tool-call.json"), context);
    const choice = response.choices[0];
    assert.equal(choice?.finishReason, "tool_calls");
    assert.deepEqual(choice?.message.toolCalls, [
      { id: "weather_dqgshstja6p9", name: "weather", arguments: '{"location":"San Francisco"}' },
      { id: "cityAttractions_dcxfx4myvx68", name: "cityAttractions", arguments: '{"city":"San Francisco"}' },
    ]);
    assert.match(choice?.message.content ?? "", /^I will use the weather tool/);
  });

  it("cassette usage: cached tokens stay a subset of prompt tokens", () => {
    const [interaction] = readCassette("cohere", "cassette-chat-v2-cached-tokens.yaml");
    const usage = parseCohereResponse(interaction?.response.parsed_body, context).usage;
    assert.deepEqual(usage, {
      promptTokens: 2935,
      completionTokens: 4,
      totalTokens: 2939,
      cachedPromptTokens: 2928,
    });
  });
});

describe("cohere stream replay", () => {
  it("text stream", () => {
    const result = replay("chat-v2-stream-text.chunks.jsonl");
    const choice = onlyChoice(result);
    assert.equal(choice.text, "The capital of France is Paris.");
    assert.equal(choice.finish, "stop");
    assert.deepEqual(result.usage, {
      promptTokens: 507,
      completionTokens: 10,
      totalTokens: 517,
      cachedPromptTokens: 448,
    });
    assert.equal(
      result.events[0]?.type === "response-start" && result.events[0].id,
      "321d178c-2c12-44d3-ae42-2f5510f6b1cc",
    );
  });

  it("tool-call stream: plan as text, two calls with fragments, TOOL_CALL", () => {
    const result = replay("chat-v2-stream-tool-call.chunks.jsonl");
    const choice = onlyChoice(result);
    assert.match(choice.text, /^I will use the weather tool/);
    assert.deepEqual(choice.toolCalls, [
      { id: "weather_e8p4pn45zt0t", name: "weather", arguments: '{"location": "San Francisco"}' },
      { id: "cityAttractions_pyxssbwnq9fq", name: "cityAttractions", arguments: '{"city": "San Francisco"}' },
    ]);
    assert.equal(choice.finish, "tool_calls");
    assert.equal(result.usage?.cachedPromptTokens, 1504);
  });

  it("reasoning stream: thinking as reasoning-delta before text", () => {
    const result = replay("chat-v2-stream-reasoning.chunks.jsonl");
    const choice = onlyChoice(result);
    assert.match(choice.reasoning, /^The user is asking for the/);
    assert.ok(choice.text.length > 0);
    const firstText = result.events.findIndex((event) => event.type === "text-delta");
    const lastReasoning = result.events.findLastIndex((event) => event.type === "reasoning-delta");
    assert.ok(lastReasoning < firstText);
    assert.equal(result.events.at(-1)?.type, "usage");
  });

  it("an in-stream error event throws; a cut stream is upstream_protocol", () => {
    const decoder = new CohereStreamDecoder(context);
    decoder.decode({ data: '{"type":"message-start","id":"x"}' });
    assert.throws(
      () => decoder.decode({ data: '{"type":"error","message":"rate limit exceeded, slow down"}' }),
      isKind("upstream_rate_limited"),
    );
    const cut = new CohereStreamDecoder(context);
    cut.decode({ data: '{"type":"message-start","id":"x"}' });
    assert.throws(() => cut.end(), isKind("upstream_protocol"));
  });
});

describe("cohere errors", () => {
  it("maps statuses to kinds", () => {
    const cases: [number, string, string][] = [
      [400, '{"message":"invalid request: message must not be empty"}', "upstream_bad_request"],
      [401, '{"message":"invalid api token"}', "upstream_auth"],
      [498, '{"message":"invalid api token"}', "upstream_auth"],
      [404, '{"message":"model \'x\' not found"}', "model_not_found"],
      [
        429,
        '{"message":"You are using a Trial key, which is limited to 10 API calls / minute."}',
        "upstream_rate_limited",
      ],
      [500, '{"message":"internal server error"}', "upstream_unavailable"],
      [503, "<html>unavailable</html>", "upstream_unavailable"],
      [
        400,
        '{"message":"too many tokens: total number of tokens in the prompt cannot exceed 128000"}',
        "context_window_exceeded",
      ],
    ];
    for (const [status, body, kind] of cases) {
      const error = cohereAdapter.parseError(status, body, {});
      assert.equal(error.kind, kind, `${status} ${body}`);
      assert.equal(error.upstreamStatus, status);
    }
  });
});
