import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatRequest, Message } from "../../../src/core/types/chat.js";
import { convertToOllamaRequest } from "../../../src/providers/ollama/convert-to-ollama-request.js";
import { ollamaAdapter } from "../../../src/providers/ollama/index.js";
import { OllamaStreamDecoder } from "../../../src/providers/ollama/ollama-stream-decoder.js";
import { parseOllamaResponse } from "../../../src/providers/ollama/parse-ollama-response.js";
import { type Collected, collect, decodeAll, onlyChoice } from "../support/collect-events.js";
import { readCorpusJson, readCorpusText, SPLIT_SEEDS } from "../support/conformance.js";
import { makeContext, makeDeployment } from "../support/deployment.js";
import { parseNdjson } from "../support/framing.js";

const deployment = makeDeployment("ollama", "llama3.2", { apiBase: "http://127.0.0.1:11434/" });
const context = makeContext(deployment, true);

interface DocExample {
  request: Record<string, unknown> & { messages: Record<string, unknown>[] };
  response: unknown;
}

function isKind(kind: string, param?: string) {
  return (error: unknown) =>
    error instanceof GatewayError && error.kind === kind && (param === undefined || error.param === param);
}

const weatherTool = {
  name: "get_weather",
  description: "Get the weather in a given city",
  parameters: {
    type: "object",
    properties: { city: { type: "string", description: "The city to get the weather for" } },
    required: ["city"],
  },
};

function replay(text: string): Collected {
  const bytes = new TextEncoder().encode(text);
  let first: Collected | undefined;
  for (const seed of [undefined, ...SPLIT_SEEDS]) {
    const decoder = new OllamaStreamDecoder(context);
    const result = collect(decodeAll(decoder, parseNdjson(bytes, seed)));
    assert.equal(decoder.done, true);
    if (first === undefined) first = result;
    else assert.deepEqual(result.events, first.events);
  }
  return first as Collected;
}

describe("ollama request", () => {
  it("chat-basic.json: stream:false sent explicitly, /api/chat, no auth header without a key", async () => {
    const example = readCorpusJson("ollama", "chat-basic.json") as DocExample;
    const upstream = await ollamaAdapter.buildRequest(
      { model: "ollama/llama3.2", messages: [{ role: "user", content: "why is the sky blue?" }] },
      makeContext(deployment, false),
    );
    assert.equal(upstream.url, "http://127.0.0.1:11434/api/chat");
    assert.equal(upstream.headers.authorization, undefined);
    assert.deepEqual(JSON.parse(upstream.body as string), example.request);
  });

  it("chat-stream.request.json and chat-stream-tools.request.json (stream:true, tools)", () => {
    const plain = readCorpusJson("ollama", "chat-stream.request.json") as Record<string, unknown>;
    assert.deepEqual(
      convertToOllamaRequest(
        { model: "m", messages: [{ role: "user", content: "why is the sky blue?" }] },
        "llama3.2",
        true,
      ),
      { ...plain, stream: true },
    );
    const tools = readCorpusJson("ollama", "chat-stream-tools.request.json");
    assert.deepEqual(
      convertToOllamaRequest(
        {
          model: "m",
          messages: [{ role: "user", content: "what is the weather in tokyo?" }],
          tools: [weatherTool],
        },
        "llama3.2",
        true,
      ),
      tools,
    );
  });

  it("chat-tool-result-history.json: tool result carries the tool name, arguments are objects", () => {
    const example = readCorpusJson("ollama", "chat-tool-result-history.json") as DocExample;
    const messages: Message[] = [
      { role: "user", content: "what is the weather in Toronto?" },
      {
        role: "assistant",
        content: "",
        toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Toronto"}' }],
      },
      { role: "tool", toolCallId: "call_1", content: "11 degrees celsius" },
    ];
    assert.deepEqual(
      convertToOllamaRequest({ model: "m", messages, tools: [weatherTool] }, "llama3.2", false),
      example.request,
    );
  });

  it("chat-structured-output.json: json_schema → format, temperature → options", () => {
    const example = readCorpusJson("ollama", "chat-structured-output.json") as DocExample;
    const request: ChatRequest = {
      model: "m",
      messages: [{ role: "user", content: example.request.messages[0]?.content as string }],
      responseFormat: {
        type: "json_schema",
        name: "x",
        schema: example.request.format as Record<string, unknown>,
      },
      temperature: 0,
    };
    assert.deepEqual(convertToOllamaRequest(request, "llama3.1", false), example.request);
    const jsonMode = convertToOllamaRequest(
      { ...request, responseFormat: { type: "json_object" } },
      "llama3.1",
      false,
    );
    assert.equal(jsonMode.format, "json");
  });

  it("chat-vision.json: data: URL images become raw base64 in message.images; http URLs are refused", () => {
    const example = readCorpusJson("ollama", "chat-vision.json") as DocExample;
    const image = ((example.request.messages[0]?.images ?? []) as string[])[0] as string;
    const body = convertToOllamaRequest(
      {
        model: "m",
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "what is in this image?" },
              { type: "image", url: `data:image/png;base64,${image}` },
            ],
          },
        ],
      },
      "llava",
      false,
    );
    // The doc request leaves `stream` to its default (true); we always send it.
    assert.deepEqual(body, { ...example.request, stream: false });
    assert.throws(
      () =>
        convertToOllamaRequest(
          { model: "m", messages: [{ role: "user", content: [{ type: "image", url: "http://x/y.png" }] }] },
          "llava",
          false,
        ),
      isKind("invalid_request", "messages[0].content[0].image_url"),
    );
  });

  it("sampling options, thinking, unsupported parameters", () => {
    const body = convertToOllamaRequest(
      {
        model: "m",
        messages: [{ role: "user", content: "x" }],
        maxTokens: 64,
        topP: 0.9,
        topK: 20,
        stop: ["\n"],
        seed: 7,
        reasoningEffort: "high",
        providerOptions: { ollama: { options: { num_ctx: 8192 }, keep_alive: "5m" } },
      },
      "qwen3",
      false,
    );
    assert.deepEqual(body.options, {
      num_predict: 64,
      top_p: 0.9,
      top_k: 20,
      stop: ["\n"],
      seed: 7,
      num_ctx: 8192,
    });
    assert.equal(body.think, true);
    assert.equal(body.keep_alive, "5m");
    const base: ChatRequest = { model: "m", messages: [{ role: "user", content: "x" }] };
    assert.throws(
      () => convertToOllamaRequest({ ...base, logprobs: true }, "m", false),
      isKind("unsupported_parameter", "logprobs"),
    );
    assert.throws(
      () =>
        convertToOllamaRequest(
          { ...base, tools: [weatherTool], toolChoice: { type: "required" } },
          "m",
          false,
        ),
      isKind("unsupported_parameter", "tool_choice"),
    );
    assert.throws(
      () => convertToOllamaRequest({ ...base, passthrough: { mirostat: 1 } }, "m", false),
      isKind("unsupported_parameter", "mirostat"),
    );
  });
});

describe("ollama responses", () => {
  it("chat-basic.json: content and usage from the eval counts", () => {
    const example = readCorpusJson("ollama", "chat-basic.json") as DocExample;
    const response = parseOllamaResponse(example.response, context);
    assert.equal(response.choices[0]?.message.content, "Hello! How are you today?");
    assert.equal(response.choices[0]?.finishReason, "stop");
    assert.deepEqual(response.usage, { promptTokens: 26, completionTokens: 298, totalTokens: 324 });
  });

  it("chat-tools.json: a synthesised id, object arguments as JSON text, finish tool_calls despite done_reason stop", () => {
    const example = readCorpusJson("ollama", "chat-tools.json") as DocExample;
    const response = parseOllamaResponse(example.response, context);
    const choice = response.choices[0];
    assert.equal(choice?.finishReason, "tool_calls");
    assert.equal(choice?.providerFinishReason, "stop");
    assert.equal(choice?.message.toolCalls?.length, 1);
    assert.match(choice?.message.toolCalls?.[0]?.id ?? "", /^call_[A-Za-z0-9_-]+$/);
    assert.equal(choice?.message.toolCalls?.[0]?.arguments, '{"city":"Tokyo"}');
    assert.equal(choice?.message.content, null);
  });
});

describe("ollama stream replay", () => {
  it("chat-stream.ndjson: text, done line → finish and usage", () => {
    const result = replay(readCorpusText("ollama", "chat-stream.ndjson"));
    assert.equal(onlyChoice(result).text, "The");
    assert.equal(onlyChoice(result).finish, "stop");
    assert.deepEqual(result.usage, { promptTokens: 26, completionTokens: 282, totalTokens: 308 });
  });

  it("chat-stream-tools.ndjson: whole tool call gets an id; finish is tool_calls", () => {
    const result = replay(readCorpusText("ollama", "chat-stream-tools.ndjson"));
    const choice = onlyChoice(result);
    assert.equal(choice.toolCalls.length, 1);
    assert.equal(choice.toolCalls[0]?.name, "get_weather");
    assert.deepEqual(JSON.parse(choice.toolCalls[0]?.arguments ?? ""), { city: "Tokyo" });
    assert.equal(choice.finish, "tool_calls");
    assert.ok((choice.toolCalls[0]?.id ?? "").length > 0);
  });

  it("errors/ollama-midstream-error.ndjson: the error line throws upstream_unavailable after the text", () => {
    const messages = parseNdjson(
      new TextEncoder().encode(readCorpusText("errors", "ollama-midstream-error.ndjson")),
    );
    const decoder = new OllamaStreamDecoder(context);
    // The doc example streams /api/generate-style chunks (`response`); the decoder tolerates them as empty chunks.
    for (const message of messages.slice(0, -1)) decoder.decode(message);
    assert.throws(
      () => decoder.decode(messages.at(-1)!),
      (error: unknown) =>
        isKind("upstream_unavailable")(error) &&
        (error as Error).message.includes("an error was encountered while running the model"),
    );
  });
});

describe("ollama errors", () => {
  it("errors/ollama-error.json and the documented statuses", () => {
    const body = readCorpusText("errors", "ollama-error.json");
    const cases: [number, string][] = [
      [400, "upstream_bad_request"],
      [404, "model_not_found"],
      [429, "upstream_rate_limited"],
      [500, "upstream_unavailable"],
      [502, "upstream_unavailable"],
    ];
    for (const [status, kind] of cases) {
      const error = ollamaAdapter.parseError(status, body, {});
      assert.equal(error.kind, kind);
      assert.match(error.message, /the model failed to generate a response/);
    }
  });
});
