/**
 * Cohere v2 chat behind the contract suite. Replies are recordings from test/fixtures/conformance/cohere; error
 * bodies (`{"message": …}`), a JSON-mode answer and an in-stream failure are not in the corpus and are built from
 * Cohere's documented shapes (docs.cohere.com v2 chat and errors pages), marked synthetic.
 */
import assert from "node:assert/strict";
import { readFixture } from "../../helpers/provider-fixtures.js";
import type { ProviderCase, WireView } from "../contract-types.js";
import type { SeenRequest } from "../fake-upstream.js";
import { chunksFile, errorReply, frame, hangAfter, jsonFile } from "../replies.js";
import { list, record, splitDataUrl, text } from "./wire.js";

const PATH = "/v2/chat";

const documented = (message: string) => ({
  synthetic: "no recorded Cohere error body; Cohere's documented {message} envelope",
  json: { message },
});

function readCohereBody(body: unknown): WireView {
  const root = record(body);
  const view: WireView = {
    tools: list(root["tools"]).map((tool) => text(record(record(tool)["function"])["name"]) ?? ""),
    toolCalls: [],
    toolResults: [],
    images: [],
    reasoning: [],
    userTexts: [],
    reasoningRequested: record(root["thinking"])["type"] === "enabled",
  };
  const format = record(root["response_format"]);
  if (format["json_schema"] !== undefined) view.jsonSchema = format["json_schema"];
  for (const message of list(root["messages"]).map(record)) {
    const content = message["content"];
    const parts = typeof content === "string" ? [{ type: "text", text: content }] : list(content).map(record);
    if (message["role"] === "tool") {
      view.toolResults.push({ id: text(message["tool_call_id"]) ?? "", content: String(content) });
      continue;
    }
    for (const part of parts) {
      if (message["role"] === "user" && part["type"] === "text")
        view.userTexts.push(text(part["text"]) ?? "");
      if (part["type"] === "image_url") {
        const url = text(record(part["image_url"])["url"]) ?? "";
        view.images.push(splitDataUrl(url) ?? { url });
      }
      if (part["type"] === "thinking") view.reasoning.push({ text: text(part["thinking"]) ?? "" });
    }
    for (const call of list(message["tool_calls"]).map(record)) {
      const fn = record(call["function"]);
      view.toolCalls.push({
        id: text(call["id"]) ?? "",
        name: text(fn["name"]) ?? "",
        arguments: JSON.parse(text(fn["arguments"]) ?? "null") as unknown,
      });
    }
  }
  return view;
}

function validateCohereRequest(request: SeenRequest): void {
  assert.equal(request.headers["authorization"], "Bearer cohere-contract-key");
  const open = new Set<string>();
  for (const message of list(record(request.json)["messages"]).map(record)) {
    for (const call of list(message["tool_calls"]).map(record)) open.add(String(call["id"]));
    if (message["role"] === "tool")
      assert.ok(open.has(String(message["tool_call_id"])), "results answer calls");
  }
}

const weatherTools = [
  { name: "weather", parameters: { type: "object", properties: { location: { type: "string" } } } },
  { name: "cityAttractions", parameters: { type: "object", properties: { city: { type: "string" } } } },
];
const weatherCalls = [
  { name: "weather", arguments: { location: "San Francisco" } },
  { name: "cityAttractions", arguments: { city: "San Francisco" } },
];

export const cohereCase: ProviderCase = {
  provider: "cohere",
  model: "command-a-reasoning-08-2025",
  upstream: "remote",
  deployment: (url) => ({ apiBase: url, apiKey: "cohere-contract-key", extra: {} }),
  read: readCohereBody,
  validateRequest: validateCohereRequest,
  plans: {
    simple: {
      // Usage counts `tokens` (raw, with the cached part), not `billed_units`.
      replies: [jsonFile("cohere/chat-v2-basic.json", PATH)],
      expect: {
        text: "The capital of France is Paris.",
        finish: "stop",
        usage: { prompt: 507, completion: 10, cached: 448 },
      },
    },
    streamed: {
      replies: [chunksFile("cohere/chat-v2-stream-text.chunks.jsonl", "anthropic", PATH)],
      expect: { text: "The capital of France is Paris.", finish: "stop" },
    },
    usage_in_stream: {
      replies: [chunksFile("cohere/chat-v2-stream-text.chunks.jsonl", "anthropic", PATH)],
      expect: { finish: "stop", usage: { prompt: 507, completion: 10, cached: 448 } },
    },
    tools_single: {
      replies: [chunksFile("cohere/chat-v2-stream-tool-call.chunks.jsonl", "anthropic", PATH)],
      tools: weatherTools,
      expect: { toolCalls: weatherCalls },
    },
    tools_parallel: {
      replies: [jsonFile("cohere/chat-v2-tool-call.json", PATH)],
      tools: weatherTools,
      expect: { toolCalls: weatherCalls },
    },
    tools_no_args: {
      replies: [
        {
          status: 200,
          contentType: "text/event-stream",
          path: PATH,
          synthetic:
            "no recorded argument-less Cohere call: the recorded tool stream with the arguments of call 0 left out",
          body: () =>
            frame(
              readFixture("cohere/chat-v2-stream-tool-call.chunks.jsonl")
                .split("\n")
                .filter((line) => !line.includes('"tool-call-delta","index":0'))
                .join("\n"),
              "anthropic",
            ),
        },
      ],
      tools: weatherTools,
      expect: {
        toolCalls: [{ name: "weather", arguments: {} }, weatherCalls[1] as (typeof weatherCalls)[number]],
      },
    },
    tool_round_trip: {
      replies: [jsonFile("cohere/chat-v2-tool-call.json", PATH), jsonFile("cohere/chat-v2-basic.json", PATH)],
      tools: weatherTools,
      expect: { toolCalls: weatherCalls },
      followUp: { expect: { text: "The capital of France is Paris.", finish: "stop" } },
    },
    json_schema: {
      replies: [
        {
          status: 200,
          contentType: "application/json",
          path: PATH,
          synthetic: "no recorded Cohere JSON-mode answer; the documented v2 response with a JSON text part",
          body: JSON.stringify({
            id: "contract-json",
            message: {
              role: "assistant",
              content: [{ type: "text", text: '{"city":"Paris","temperature":18,"units":"c"}' }],
            },
            finish_reason: "COMPLETE",
            usage: {
              billed_units: { input_tokens: 20, output_tokens: 14 },
              tokens: { input_tokens: 30, output_tokens: 14 },
            },
          }),
        },
      ],
      expect: { text: '{"city":"Paris","temperature":18,"units":"c"}' },
    },
    reasoning_round_trip: {
      replies: [
        chunksFile("cohere/chat-v2-stream-reasoning.chunks.jsonl", "anthropic", PATH),
        jsonFile("cohere/chat-v2-basic.json", PATH),
      ],
      expect: {
        text: "The answer to 2 + 2 is 4.",
        reasoning: { textIncludes: "sum of 2 and 2", signature: false, sentBack: "text-and-signature" },
      },
    },
    error_bad_request: {
      replies: [errorReply(400, documented("invalid request: message must not be empty"), {}, PATH)],
    },
    error_upstream_auth: { replies: [errorReply(401, documented("invalid api token"), {}, PATH)] },
    error_not_found: { replies: [errorReply(404, documented("model 'command-x' not found"), {}, PATH)] },
    error_rate_limited: {
      replies: [
        errorReply(
          429,
          documented("You are using a Trial key, which is limited to 10 API calls / minute."),
          { "retry-after": "4" },
          PATH,
        ),
      ],
      expect: { retryAfterSeconds: 4 },
    },
    error_overloaded: { replies: [errorReply(503, documented("service unavailable"), {}, PATH)] },
    error_in_stream: {
      replies: [
        {
          status: 200,
          contentType: "text/event-stream",
          path: PATH,
          synthetic: "recorded text events, then a message-end with the documented finish_reason ERROR",
          body: () =>
            frame(
              [
                ...readFixture("cohere/chat-v2-stream-text.chunks.jsonl").split("\n").slice(0, 4),
                JSON.stringify({
                  type: "message-end",
                  delta: { finish_reason: "ERROR", error: "internal server error" },
                }),
              ].join("\n"),
              "anthropic",
            ),
        },
      ],
    },
    client_abort: {
      replies: [hangAfter(chunksFile("cohere/chat-v2-stream-text.chunks.jsonl", "anthropic", PATH), 4)],
    },
  },
};
