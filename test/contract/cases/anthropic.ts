/**
 * Anthropic Messages behind the contract suite. Replies are recordings from test/fixtures/conformance/anthropic and
 * errors/; the 401, 429 and 529 answers are not in the corpus and are built from Anthropic's documented error
 * envelope (`{type:"error", error:{type, message}}`, docs.anthropic.com/en/api/errors) and marked synthetic.
 */
import assert from "node:assert/strict";
import { ANTHROPIC_JSON_TOOL_NAME } from "../../../src/providers/anthropic/convert-to-anthropic-request.js";
import { readFixture } from "../../helpers/provider-fixtures.js";
import type { ProviderCase, WireView } from "../contract-types.js";
import type { SeenRequest } from "../fake-upstream.js";
import { cassetteReply, chunksFile, errorReply, frame, hangAfter, jsonFile, sseFile } from "../replies.js";
import { list, record, text } from "./wire.js";

const PATH = "/v1/messages";
const PARALLEL = "anthropic/cassette-parallel-tool-calls.yaml";

const entityTool = {
  name: "retrieve_entity_info",
  description: "Get the knowledge about the given entity.",
  parameters: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
};

const documented = (type: string, message: string) => ({
  synthetic: `no recorded ${type} answer in the corpus; Anthropic's documented error envelope`,
  json: { type: "error", error: { type, message } },
});

function blocks(content: unknown): Record<string, unknown>[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : list(content).map(record);
}

function readAnthropicBody(body: unknown): WireView {
  const root = record(body);
  const choice = record(root["tool_choice"]);
  const tools = list(root["tools"]).map(record);
  const view: WireView = {
    tools: tools.map((tool) => text(tool["name"]) ?? ""),
    toolCalls: [],
    toolResults: [],
    images: [],
    reasoning: [],
    userTexts: [],
    reasoningRequested: ["enabled", "adaptive"].includes(String(record(root["thinking"])["type"])),
  };
  if (choice["type"] === "tool" && choice["name"] === ANTHROPIC_JSON_TOOL_NAME) {
    view.jsonSchema = tools.find((tool) => tool["name"] === ANTHROPIC_JSON_TOOL_NAME)?.["input_schema"];
  }
  for (const message of list(root["messages"]).map(record)) {
    for (const block of blocks(message["content"])) {
      switch (block["type"]) {
        case "text":
          if (message["role"] === "user") view.userTexts.push(text(block["text"]) ?? "");
          break;
        case "image": {
          const source = record(block["source"]);
          view.images.push(
            source["type"] === "url"
              ? { url: text(source["url"]) ?? "" }
              : { base64: text(source["data"]) ?? "", mediaType: text(source["media_type"]) ?? "" },
          );
          break;
        }
        case "tool_use":
          view.toolCalls.push({
            id: text(block["id"]) ?? "",
            name: text(block["name"]) ?? "",
            arguments: block["input"],
          });
          break;
        case "tool_result": {
          const content = block["content"];
          view.toolResults.push({
            id: text(block["tool_use_id"]) ?? "",
            content:
              typeof content === "string"
                ? content
                : blocks(content)
                    .map((part) => part["text"])
                    .join(""),
          });
          break;
        }
        case "thinking":
          view.reasoning.push({
            text: text(block["thinking"]) ?? "",
            signature: text(block["signature"]) ?? "",
          });
          break;
        case "redacted_thinking":
          view.reasoning.push({ redacted: text(block["data"]) ?? "" });
          break;
        default:
          break;
      }
    }
  }
  return view;
}

/** What the Messages API would reject: missing headers, non-alternating turns, orphan tool results, bad budgets. */
function validateAnthropicRequest(request: SeenRequest): void {
  assert.equal(request.headers["x-api-key"], "sk-ant-contract-upstream");
  assert.equal(request.headers["anthropic-version"], "2023-06-01");
  const body = record(request.json);
  assert.equal(typeof body["max_tokens"], "number", "max_tokens is required");
  const thinking = record(body["thinking"]);
  if (thinking["type"] === "enabled") {
    assert.ok(Number(thinking["budget_tokens"]) < Number(body["max_tokens"]), "budget below max_tokens");
  }
  let previous: Record<string, unknown>[] = [];
  list(body["messages"]).forEach((entry, index) => {
    const message = record(entry);
    assert.equal(message["role"], index % 2 === 0 ? "user" : "assistant", "turns alternate, user first");
    const content = blocks(message["content"]);
    if (message["role"] === "assistant") {
      const firstOther = content.findIndex((block) => !String(block["type"]).includes("thinking"));
      const lastThinking = content
        .map((block) => String(block["type"]).includes("thinking"))
        .lastIndexOf(true);
      assert.ok(
        lastThinking === -1 || lastThinking < firstOther || firstOther === -1,
        "thinking blocks first",
      );
    }
    const calls = new Set(
      previous.filter((block) => block["type"] === "tool_use").map((block) => block["id"]),
    );
    for (const block of content.filter((candidate) => candidate["type"] === "tool_result")) {
      assert.ok(calls.has(block["tool_use_id"]), "each tool_result answers a tool_use of the previous turn");
    }
    previous = content;
  });
}

/** The AI SDK recorded its forced JSON tool as `json`; a real upstream names it as the request forced it. */
function jsonToolStream(): (request: SeenRequest) => string {
  return (request) => {
    const forced = String(record(record(request.json)["tool_choice"])["name"]);
    return frame(readFixture("anthropic/messages-stream-json-tool.chunks.jsonl"), "anthropic").replace(
      '"name":"json"',
      `"name":${JSON.stringify(forced)}`,
    );
  };
}

export const anthropicCase: ProviderCase = {
  provider: "anthropic",
  model: "claude-sonnet-4-5",
  upstream: "remote",
  deployment: (url) => ({ apiBase: url, apiKey: "sk-ant-contract-upstream", extra: {} }),
  read: readAnthropicBody,
  validateRequest: validateAnthropicRequest,
  plans: {
    simple: {
      replies: [jsonFile("anthropic/messages-basic.json", PATH)],
      expect: {
        textIncludes: "I'm doing well",
        finish: "stop",
        usage: { prompt: 12, completion: 29, cached: 0 },
      },
    },
    streamed: {
      replies: [sseFile("anthropic/messages-stream-text.sse", PATH)],
      expect: { text: "Hello there!", finish: "stop" },
    },
    usage_in_stream: {
      // message_delta repeats input_tokens (61, not message_start's 43): the later count wins.
      replies: [
        chunksFile("anthropic/messages-stream-message-delta-input-tokens.chunks.jsonl", "anthropic", PATH),
      ],
      expect: { finish: "stop", usage: { prompt: 61, completion: 2 } },
    },
    tools_single: {
      replies: [sseFile("anthropic/messages-stream-tool-use.sse", PATH)],
      tools: [
        { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } } } },
      ],
      expect: {
        text: "I'll check the current weather in Paris for you.",
        toolCalls: [{ name: "get_weather", arguments: { location: "Paris" } }],
      },
    },
    tools_parallel: {
      replies: [cassetteReply(PARALLEL, 0, PATH)],
      tools: [entityTool],
      expect: {
        toolCalls: ["Alice", "Bob", "Charlie", "Daisy"].map((name) => ({
          name: "retrieve_entity_info",
          arguments: { name },
        })),
        usage: { prompt: 423, completion: 202 },
      },
    },
    tools_no_args: {
      replies: [chunksFile("anthropic/messages-stream-tool-no-args.chunks.jsonl", "anthropic", PATH)],
      tools: [{ name: "updateIssueList", parameters: { type: "object", properties: {} } }],
      expect: {
        text: "I'll update the issue list for you.",
        toolCalls: [{ name: "updateIssueList", arguments: {} }],
      },
    },
    tool_round_trip: {
      replies: [cassetteReply(PARALLEL, 0, PATH), cassetteReply(PARALLEL, 1, PATH)],
      tools: [entityTool],
      followUp: { expect: { textIncludes: "Daisy is the youngest", finish: "stop" } },
    },
    vision: {
      replies: [cassetteReply("anthropic/cassette-image-url-input.yaml", 0, PATH)],
      expect: { textIncludes: "This is a potato.", finish: "stop" },
    },
    json_schema: {
      replies: [{ status: 200, contentType: "text/event-stream", path: PATH, body: jsonToolStream() }],
      expect: {
        text: '{"elements": [{"location": "San Francisco", "temperature": 58, "condition": "sunny"}]}',
        finish: "stop",
      },
    },
    reasoning_round_trip: {
      replies: [
        chunksFile("anthropic/messages-stream-thinking.chunks.jsonl", "anthropic", PATH),
        jsonFile("anthropic/messages-basic.json", PATH),
      ],
      expect: {
        textIncludes: "925 ÷ 5 = 185",
        reasoning: { textIncludes: "divide that by 5", signature: true, sentBack: "text-and-signature" },
      },
      followUp: { expect: { finish: "stop" } },
    },
    error_bad_request: {
      replies: [errorReply(400, { file: "errors/anthropic-400-invalid-request.json" }, {}, PATH)],
    },
    error_upstream_auth: {
      replies: [errorReply(401, documented("authentication_error", "invalid x-api-key"), {}, PATH)],
    },
    error_not_found: { replies: [cassetteReply("errors/anthropic-404-not-found.cassette.yaml", 0, PATH)] },
    error_rate_limited: {
      replies: [
        errorReply(
          429,
          documented("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
          { "retry-after": "3" },
          PATH,
        ),
      ],
      expect: { retryAfterSeconds: 3 },
    },
    error_overloaded: {
      // The body is the recorded in-stream overloaded_error payload; the 529 status is Anthropic's documented one.
      replies: [errorReply(529, documented("overloaded_error", "Overloaded"), {}, PATH)],
    },
    error_in_stream: {
      replies: [
        {
          status: 200,
          contentType: "text/event-stream",
          path: PATH,
          // Recorded text events, cut before the block ends, then the recorded in-stream overloaded error.
          body: () =>
            frame(readFixture("anthropic/messages-stream-text.chunks.jsonl"), "anthropic").split(
              "event: content_block_stop",
            )[0] + readFixture("errors/anthropic-midstream-overloaded.sse"),
        },
      ],
    },
    client_abort: { replies: [hangAfter(sseFile("anthropic/messages-stream-text.sse", PATH), 5)] },
  },
};
