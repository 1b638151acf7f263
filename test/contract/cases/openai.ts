/**
 * OpenAI Chat Completions behind the contract suite. Replies are recordings from test/fixtures/conformance/openai
 * and errors/; the few error bodies the corpus lacks are built from OpenAI's documented ErrorResponse
 * (`{error:{message,type,param,code}}`, openapi.yaml and the error-codes guide) and marked synthetic.
 */
import assert from "node:assert/strict";
import { readFixture } from "../../helpers/provider-fixtures.js";
import type { ProviderCase, WireView } from "../contract-types.js";
import type { SeenRequest } from "../fake-upstream.js";
import { cassetteReply, chunksFile, errorReply, frame, hangAfter, jsonFile, sseFile } from "../replies.js";
import { list, record, splitDataUrl, text } from "./wire.js";

const ROUND_TRIP = "openai/cassette-chat-tool-roundtrip.yaml";

const weatherTools = [
  {
    name: "GetWeatherArgs",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, country: { type: "string" }, units: { type: "string" } },
    },
  },
  {
    name: "get_stock_price",
    parameters: {
      type: "object",
      properties: { ticker: { type: "string" }, exchange: { type: "string" } },
    },
  },
];
const countryTools = [
  { name: "get_user_country", description: "", parameters: { type: "object", properties: {} } },
  {
    name: "final_result",
    description: "The final response which ends this conversation",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, country: { type: "string" } },
      required: ["city", "country"],
    },
  },
];

/** Reads an OpenAI-format body (shared by every OpenAI-compatible provider). */
export function readOpenAIBody(body: unknown): WireView {
  const root = record(body);
  const view: WireView = {
    tools: list(root["tools"]).map((tool) => text(record(record(tool)["function"])["name"]) ?? ""),
    toolCalls: [],
    toolResults: [],
    images: [],
    reasoning: [],
    userTexts: [],
    // Mistral's Magistral takes reasoning as `prompt_mode: "reasoning"`.
    reasoningRequested: root["reasoning_effort"] !== undefined || root["prompt_mode"] === "reasoning",
  };
  const format = record(root["response_format"]);
  if (format["type"] === "json_schema") view.jsonSchema = record(format["json_schema"])["schema"];
  for (const entry of list(root["messages"])) {
    const message = record(entry);
    const content = message["content"];
    if (message["role"] === "user") {
      const parts = typeof content === "string" ? [{ type: "text", text: content }] : list(content);
      for (const part of parts.map(record)) {
        if (part["type"] === "text") view.userTexts.push(text(part["text"]) ?? "");
        if (part["type"] === "image_url") {
          const url = text(record(part["image_url"])["url"]) ?? "";
          view.images.push(splitDataUrl(url) ?? { url });
        }
      }
    }
    for (const call of list(message["tool_calls"]).map(record)) {
      const fn = record(call["function"]);
      view.toolCalls.push({
        id: text(call["id"]) ?? "",
        name: text(fn["name"]) ?? "",
        arguments: JSON.parse(text(fn["arguments"]) ?? "null") as unknown,
      });
    }
    if (message["role"] === "tool") {
      view.toolResults.push({ id: text(message["tool_call_id"]) ?? "", content: String(content) });
    }
    const reasoning = text(message["reasoning_content"]);
    if (reasoning !== undefined) view.reasoning.push({ text: reasoning });
  }
  return view;
}

/**
 * What OpenAI itself would reject: tool results without a preceding call; and streams must ask for usage
 * (`streamOptions`), except on hosts that reject `stream_options` and report usage anyway (Mistral).
 */
export function validateOpenAIRequest(request: SeenRequest, streamOptions = true): void {
  const body = record(request.json);
  assert.equal(typeof body["model"], "string");
  const open = new Set<string>();
  for (const message of list(body["messages"]).map(record)) {
    for (const call of list(message["tool_calls"]).map(record)) open.add(String(call["id"]));
    if (message["role"] === "tool") {
      assert.ok(open.has(String(message["tool_call_id"])), "a tool message answers an earlier tool call");
    }
  }
  if (body["stream"] !== true) return;
  if (streamOptions) assert.deepEqual(body["stream_options"], { include_usage: true });
  else assert.equal(body["stream_options"], undefined);
}

/** The scenarios of an OpenAI-wire host at `path`, from OpenAI's recordings. */
export function openAIPlans(PATH: string): ProviderCase["plans"] {
  return {
    simple: {
      replies: [jsonFile("openai/chat-basic.json", PATH)],
      expect: { textIncludes: "Galaxy Day", finish: "stop", usage: { prompt: 16, completion: 363 } },
    },
    streamed: {
      replies: [chunksFile("openai/chat-stream-text.chunks.jsonl", "openai", PATH)],
      expect: { textIncludes: "Harmony Day", finish: "stop" },
    },
    usage_in_stream: {
      replies: [chunksFile("openai/chat-stream-text.chunks.jsonl", "openai", PATH)],
      expect: { finish: "stop", usage: { prompt: 16, completion: 300, reasoning: 0, cached: 0 } },
    },
    tools_single: {
      replies: [sseFile("openai/chat-stream-tool.sse", PATH)],
      tools: weatherTools.slice(0, 1),
      expect: {
        finish: "tool_calls",
        toolCalls: [{ name: "GetWeatherArgs", arguments: { city: "Edinburgh", country: "UK", units: "c" } }],
      },
    },
    tools_parallel: {
      replies: [sseFile("openai/chat-stream-parallel-tools.sse", PATH)],
      tools: weatherTools,
      expect: {
        finish: "tool_calls",
        toolCalls: [
          { name: "GetWeatherArgs", arguments: { city: "Edinburgh", country: "GB", units: "c" } },
          { name: "get_stock_price", arguments: { ticker: "AAPL", exchange: "NASDAQ" } },
        ],
      },
    },
    tools_no_args: {
      replies: [cassetteReply(ROUND_TRIP, 0, PATH)],
      tools: countryTools,
      expect: { finish: "tool_calls", toolCalls: [{ name: "get_user_country", arguments: {} }] },
    },
    tool_round_trip: {
      replies: [cassetteReply(ROUND_TRIP, 0, PATH), cassetteReply(ROUND_TRIP, 1, PATH)],
      tools: countryTools,
      expect: { toolCalls: [{ name: "get_user_country", arguments: {} }] },
      followUp: {
        expect: {
          finish: "tool_calls",
          toolCalls: [{ name: "final_result", arguments: { city: "Mexico City", country: "Mexico" } }],
        },
      },
    },
    vision: {
      replies: [cassetteReply("openai/cassette-chat-image-url-tool-response.yaml", 1, PATH)],
      expect: { text: "The image shows a potato.", finish: "stop" },
    },
    json_schema: {
      replies: [sseFile("openai/chat-stream-json-schema.sse", PATH)],
      expect: { text: '{"city":"San Francisco","temperature":61,"units":"f"}', finish: "stop" },
    },
    reasoning_round_trip: {
      replies: [
        cassetteReply("openai/cassette-chat-max-completion-tokens-o3-mini.yaml", 0, PATH),
        jsonFile("openai/chat-basic.json", PATH),
      ],
      stream: false,
      limitation:
        "OpenAI Chat Completions returns no reasoning text or signature (only reasoning_tokens), so nothing goes back",
      expect: { finish: "stop", usage: { prompt: 7, completion: 87, reasoning: 64 } },
    },
    error_bad_request: {
      replies: [errorReply(400, { file: "errors/openai-400-unsupported-parameter.json" }, {}, PATH)],
    },
    error_upstream_auth: {
      replies: [
        errorReply(
          401,
          {
            synthetic: "no recorded 401 in the corpus; OpenAI's documented invalid_api_key envelope",
            json: {
              error: {
                message: "Incorrect API key provided: sk-contr***********ream.",
                type: "invalid_request_error",
                param: null,
                code: "invalid_api_key",
              },
            },
          },
          {},
          PATH,
        ),
      ],
    },
    error_not_found: { replies: [cassetteReply("errors/openai-404-model-not-found.cassette.yaml", 0, PATH)] },
    error_rate_limited: {
      replies: [
        errorReply(
          429,
          {
            synthetic:
              "the corpus has only insufficient_quota; OpenAI's documented rate_limit_exceeded envelope",
            json: {
              error: {
                message: "Rate limit reached for gpt-4o on requests per min (RPM): Limit 3, Used 3.",
                type: "requests",
                param: null,
                code: "rate_limit_exceeded",
              },
            },
          },
          { "retry-after": "2" },
          PATH,
        ),
      ],
      expect: { retryAfterSeconds: 2 },
    },
    error_overloaded: {
      replies: [
        errorReply(
          503,
          {
            synthetic: "no recorded 5xx in the corpus; OpenAI's documented server_error envelope",
            json: {
              error: {
                message: "The engine is currently overloaded, please try again later.",
                type: "server_error",
                param: null,
                code: null,
              },
            },
          },
          {},
          PATH,
        ),
      ],
    },
    error_in_stream: {
      replies: [
        {
          status: 200,
          contentType: "text/event-stream",
          path: PATH,
          synthetic:
            "recorded text chunks, then OpenAI's documented in-band error event (`data: {error}`), which the corpus lacks",
          body: () =>
            `${frame(readFixture("openai/chat-stream-text.chunks.jsonl"), "openai")
              .split("\n\n")
              .slice(0, 6)
              .join("\n\n")}\n\ndata: ${JSON.stringify({
              error: {
                message: "The server had an error while processing your request.",
                type: "server_error",
              },
            })}\n\n`,
        },
      ],
    },
    client_abort: {
      replies: [hangAfter(chunksFile("openai/chat-stream-text.chunks.jsonl", "openai", PATH), 4)],
    },
  };
}

export interface OpenAIWireCaseOptions {
  provider: string;
  model: string;
  /** Path of the chat endpoint under the fake upstream. */
  path: string;
  deployment: ProviderCase["deployment"];
  /** Extra checks on every upstream request (auth header, quirks). */
  validate?: (request: SeenRequest) => void;
  /** False for hosts that must not get `stream_options`. */
  streamOptions?: boolean;
  /** Scenarios that use the host's own recordings instead of OpenAI's. */
  plans?: ProviderCase["plans"];
}

/** A case for any host that speaks OpenAI's wire (OpenAI, Azure, Mistral, the OpenAI-compatible family). */
export function openAIWireCase(options: OpenAIWireCaseOptions): ProviderCase {
  return {
    provider: options.provider,
    model: options.model,
    upstream: "remote",
    deployment: options.deployment,
    read: readOpenAIBody,
    validateRequest(request) {
      validateOpenAIRequest(request, options.streamOptions ?? true);
      options.validate?.(request);
    },
    plans: { ...openAIPlans(options.path), ...options.plans },
  };
}

export const openaiCase: ProviderCase = openAIWireCase({
  provider: "openai",
  model: "gpt-4o",
  path: "/v1/chat/completions",
  deployment: (url) => ({ apiBase: `${url}/v1`, apiKey: "sk-contract-openai-upstream", extra: {} }),
  validate: (request) => assert.equal(request.headers["authorization"], "Bearer sk-contract-openai-upstream"),
});
