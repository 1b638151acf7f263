/**
 * Ollama's native `/api/chat` (NDJSON streams) behind the contract suite, for both prefixes (`ollama/` and
 * `ollama_chat/`). Replies are the recorded responses in test/fixtures/conformance/ollama (files that wrap a
 * request and its response); errors use the recorded `{"error": …}` body with the statuses Ollama documents.
 * A `message.thinking` stream is not in the corpus and is built from docs/api.md's shape, marked synthetic.
 */
import assert from "node:assert/strict";
import { readFixture } from "../../helpers/provider-fixtures.js";
import type { ProviderCase, WireView } from "../contract-types.js";
import type { FakeReply, SeenRequest } from "../fake-upstream.js";
import { hangAfter } from "../replies.js";
import { list, record, text } from "./wire.js";

const PATH = "/api/chat";

/** The `response` of a recorded request/response pair, as Ollama sent it. */
function pair(file: string): FakeReply {
  return {
    status: 200,
    contentType: "application/json",
    path: PATH,
    body: () => JSON.stringify((JSON.parse(readFixture(file)) as { response: unknown }).response),
  };
}

function ndjson(body: () => string, synthetic?: string): FakeReply {
  return {
    status: 200,
    contentType: "application/x-ndjson",
    path: PATH,
    body,
    ...(synthetic !== undefined ? { synthetic } : {}),
  };
}

const recordedError = (status: number): FakeReply => ({
  status,
  contentType: "application/json",
  path: PATH,
  body: () => readFixture("errors/ollama-error.json"),
});

function readOllamaBody(body: unknown): WireView {
  const root = record(body);
  const format = root["format"];
  const view: WireView = {
    tools: list(root["tools"]).map((tool) => text(record(record(tool)["function"])["name"]) ?? ""),
    toolCalls: [],
    toolResults: [],
    images: [],
    reasoning: [],
    userTexts: [],
    reasoningRequested: root["think"] === true,
    ...(typeof format === "object" && format !== null ? { jsonSchema: format } : {}),
  };
  for (const message of list(root["messages"]).map(record)) {
    if (message["role"] === "user") {
      view.userTexts.push(text(message["content"]) ?? "");
      // Ollama's wire carries raw base64 without a media type; the PNG signature names it.
      for (const image of list(message["images"]).map((value) => String(value))) {
        view.images.push({
          base64: image,
          ...(image.startsWith("iVBORw0KGgo") ? { mediaType: "image/png" } : {}),
        });
      }
    }
    for (const call of list(message["tool_calls"]).map(record)) {
      const fn = record(call["function"]);
      view.toolCalls.push({ name: text(fn["name"]) ?? "", arguments: fn["arguments"] });
    }
    if (message["role"] === "tool") {
      view.toolResults.push({ name: text(message["tool_name"]) ?? "", content: String(message["content"]) });
    }
    const thinking = text(message["thinking"]);
    if (message["role"] === "assistant" && thinking !== undefined) view.reasoning.push({ text: thinking });
  }
  return view;
}

function validateOllamaRequest(request: SeenRequest): void {
  const body = record(request.json);
  assert.equal(typeof body["stream"], "boolean", "stream is explicit (Ollama streams by default)");
  for (const message of list(body["messages"]).map(record)) {
    for (const call of list(message["tool_calls"]).map(record)) {
      assert.equal(typeof record(call["function"])["arguments"], "object", "arguments are an object");
    }
  }
}

const weatherTool = [
  {
    name: "get_weather",
    description: "Get the weather in a given city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
];

const thinkingStream = () =>
  [
    {
      model: "qwen3",
      created_at: "2025-05-29T09:35:56Z",
      message: { role: "assistant", content: "", thinking: "The user wants" },
      done: false,
    },
    {
      model: "qwen3",
      created_at: "2025-05-29T09:35:56Z",
      message: { role: "assistant", content: "", thinking: " a short answer." },
      done: false,
    },
    {
      model: "qwen3",
      created_at: "2025-05-29T09:35:57Z",
      message: { role: "assistant", content: "Look both ways." },
      done: false,
    },
    {
      model: "qwen3",
      created_at: "2025-05-29T09:35:57Z",
      message: { role: "assistant", content: "" },
      done_reason: "stop",
      done: true,
      prompt_eval_count: 12,
      eval_count: 9,
    },
  ]
    .map((line) => JSON.stringify(line))
    .join("\n")
    .concat("\n");

function ollamaProviderCase(provider: string): ProviderCase {
  return {
    provider,
    model: "llama3.2",
    upstream: "remote",
    deployment: (url) => ({ apiBase: url, extra: {} }),
    read: readOllamaBody,
    validateRequest: validateOllamaRequest,
    plans: {
      simple: {
        replies: [pair("ollama/chat-basic.json")],
        expect: { text: "Hello! How are you today?", finish: "stop", usage: { prompt: 26, completion: 298 } },
      },
      streamed: {
        replies: [ndjson(() => readFixture("ollama/chat-stream.ndjson"))],
        expect: { text: "The", finish: "stop" },
      },
      usage_in_stream: {
        replies: [ndjson(() => readFixture("ollama/chat-stream.ndjson"))],
        expect: { finish: "stop", usage: { prompt: 26, completion: 282 } },
      },
      // Calls come without ids and with done_reason "stop": the gateway names them and says tool_calls.
      tools_single: {
        replies: [ndjson(() => readFixture("ollama/chat-stream-tools.ndjson"))],
        tools: weatherTool,
        expect: { finish: "tool_calls", toolCalls: [{ name: "get_weather", arguments: { city: "Tokyo" } }] },
      },
      tools_parallel: {
        replies: [
          ndjson(
            () =>
              readFixture("ollama/chat-stream-tools.ndjson").replace(
                '"tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Tokyo"}}}]',
                '"tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Tokyo"}}}, {"function": {"name": "get_weather", "arguments": {"city": "Toronto"}}}]',
              ),
            "no recorded parallel Ollama call: the recorded tool stream with a second call in the same documented shape",
          ),
        ],
        tools: weatherTool,
        expect: {
          toolCalls: [
            { name: "get_weather", arguments: { city: "Tokyo" } },
            { name: "get_weather", arguments: { city: "Toronto" } },
          ],
        },
      },
      tools_no_args: {
        replies: [
          ndjson(
            () =>
              readFixture("ollama/chat-stream-tools.ndjson").replace(
                '"arguments": {"city": "Tokyo"}',
                '"arguments": {}',
              ),
            "no recorded argument-less Ollama call: the recorded tool stream with empty arguments",
          ),
        ],
        tools: weatherTool,
        expect: { toolCalls: [{ name: "get_weather", arguments: {} }] },
      },
      tool_round_trip: {
        replies: [pair("ollama/chat-tools.json"), pair("ollama/chat-basic.json")],
        tools: weatherTool,
        expect: { toolCalls: [{ name: "get_weather", arguments: { city: "Tokyo" } }] },
        followUp: { expect: { text: "Hello! How are you today?", finish: "stop" } },
      },
      vision: {
        replies: [pair("ollama/chat-vision.json")],
        imageSources: ["data"],
        limitation:
          "Ollama takes image bytes only; an http(s) image URL is a 400 (the gateway does not fetch)",
        expect: { finish: "stop" },
      },
      json_schema: {
        replies: [pair("ollama/chat-structured-output.json")],
        expect: { text: '{"age": 22, "available": false}' },
      },
      reasoning_round_trip: {
        replies: [
          ndjson(thinkingStream, "no recorded native thinking stream; docs/api.md's message.thinking shape"),
          pair("ollama/chat-basic.json"),
        ],
        expect: {
          text: "Look both ways.",
          reasoning: { textIncludes: "a short answer", signature: false, sentBack: "text-and-signature" },
        },
      },
      error_bad_request: { replies: [recordedError(400)] },
      error_upstream_auth: { replies: [recordedError(401)] },
      error_not_found: { replies: [recordedError(404)] },
      error_rate_limited: {
        replies: [{ ...recordedError(429), headers: { "retry-after": "5" } }],
        expect: { retryAfterSeconds: 5 },
      },
      error_overloaded: { replies: [recordedError(503)] },
      error_in_stream: {
        // The recorded first chat line, then the recorded in-stream error line.
        replies: [
          ndjson(
            () =>
              `${readFixture("ollama/chat-stream.ndjson").split("\n")[0]}\n${readFixture(
                "errors/ollama-midstream-error.ndjson",
              )
                .trim()
                .split("\n")
                .at(-1)}\n`,
          ),
        ],
      },
      client_abort: {
        replies: [
          hangAfter(
            ndjson(() => readFixture("ollama/chat-stream.ndjson")),
            1,
            "\n",
          ),
        ],
      },
    },
  };
}

export const ollamaCase = ollamaProviderCase("ollama");
export const ollamaChatCase = ollamaProviderCase("ollama_chat");
