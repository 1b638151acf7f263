/**
 * AWS Bedrock Converse / ConverseStream behind the contract suite. Streams are binary AWS event streams: the
 * recorded cassette bodies as they were, and `.events.jsonl` recordings re-encoded frame by frame (as the corpus
 * README says a fake Bedrock must). Recordings: test/fixtures/conformance/bedrock and errors/. Answers the corpus
 * lacks (parallel and argument-less tool streams, the forced JSON tool's answer, 403/404/429/503 bodies and an
 * in-stream exception) are built from the recorded events and Bedrock's documented shapes, marked synthetic.
 */
import assert from "node:assert/strict";
import { JSON_RESPONSE_TOOL } from "../../../src/providers/bedrock/bedrock-api.js";
import { encodeAwsEventStreamMessage } from "../../../src/providers/shared/aws-event-stream.js";
import { readCassette, readFixture } from "../../helpers/provider-fixtures.js";
import type { ProviderCase, WireView } from "../contract-types.js";
import type { FakeReply, SeenRequest } from "../fake-upstream.js";
import { jsonFile } from "../replies.js";
import { list, record, text } from "./wire.js";

/** An Anthropic model on Bedrock, so that reasoning (thinking) applies. */
const MODEL = "us.anthropic.claude-sonnet-4-20250514-v1:0";
const CONVERSE = `/model/${encodeURIComponent(MODEL)}/converse`;
const STREAM = `/model/${encodeURIComponent(MODEL)}/converse-stream`;
const EVENT_STREAM = "application/vnd.amazon.eventstream";
const TOOL_CASSETTE = "bedrock/cassette-converse-iter-stream.yaml";

type Event = [type: string, payload: unknown];

function frame([type, payload]: Event): Uint8Array {
  return encodeAwsEventStreamMessage(
    { ":event-type": type, ":content-type": "application/json", ":message-type": "event" },
    JSON.stringify(payload),
  );
}

function events(file: string): Event[] {
  return readFixture(file)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => Object.entries(JSON.parse(line) as Record<string, unknown>)[0] as Event);
}

function stream(build: () => Event[], options: { synthetic?: string; hangAfter?: number } = {}): FakeReply {
  return {
    status: 200,
    contentType: EVENT_STREAM,
    path: STREAM,
    body: () => {
      const all = build();
      return Buffer.concat(
        (options.hangAfter === undefined ? all : all.slice(0, options.hangAfter)).map(frame),
      );
    },
    ...(options.hangAfter !== undefined ? { hang: true } : {}),
    ...(options.synthetic !== undefined ? { synthetic: options.synthetic } : {}),
  };
}

/** A recorded cassette body, byte for byte (YAML `!!binary`). */
function cassetteStream(interaction: number): FakeReply {
  return {
    status: 200,
    contentType: EVENT_STREAM,
    path: STREAM,
    body: () => {
      const body = readCassette(TOOL_CASSETTE)[interaction]?.response.body?.string as unknown;
      assert.ok(body instanceof Uint8Array, "the cassette stores the binary event stream");
      return body;
    },
  };
}

/** The tool events of the recorded tool stream (tool block at index 1), for building variations. */
const recordedToolStream = (): Event[] => [
  ["messageStart", { role: "assistant" }],
  [
    "contentBlockStart",
    {
      contentBlockIndex: 0,
      start: { toolUse: { name: "get_temperature", toolUseId: "tooluse_lAG_zP8QRHmSYOwZzzaCqA" } },
    },
  ],
  ["contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: '{"city":"Paris"}' } } }],
  ["contentBlockStop", { contentBlockIndex: 0 }],
];
const tail = (inputTokens: number, outputTokens: number): Event[] => [
  ["messageStop", { stopReason: "tool_use" }],
  [
    "metadata",
    {
      metrics: { latencyMs: 422 },
      usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    },
  ],
];

const documented = (status: number, type: string, message: string): FakeReply => ({
  status,
  contentType: "application/json",
  path: CONVERSE,
  headers: { "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
  synthetic: `no recorded ${type}; Bedrock's documented {message} body with x-amzn-ErrorType`,
  body: JSON.stringify({ message }),
});

function readBedrockBody(body: unknown): WireView {
  const root = record(body);
  const toolConfig = record(root["toolConfig"]);
  const specs = list(toolConfig["tools"]).map((tool) => record(record(tool)["toolSpec"]));
  const forced = text(record(record(toolConfig["toolChoice"])["tool"])["name"]);
  const view: WireView = {
    tools: specs.map((spec) => text(spec["name"]) ?? ""),
    toolCalls: [],
    toolResults: [],
    images: [],
    reasoning: [],
    userTexts: [],
    reasoningRequested:
      record(record(root["additionalModelRequestFields"])["thinking"])["type"] === "enabled",
  };
  if (forced === JSON_RESPONSE_TOOL) {
    view.jsonSchema = record(specs.find((spec) => spec["name"] === forced)?.["inputSchema"])["json"];
  }
  for (const message of list(root["messages"]).map(record)) {
    for (const block of list(message["content"]).map(record)) {
      if (typeof block["text"] === "string" && message["role"] === "user") view.userTexts.push(block["text"]);
      if (block["image"] !== undefined) {
        const image = record(block["image"]);
        view.images.push({
          base64: text(record(image["source"])["bytes"]) ?? "",
          mediaType: `image/${text(image["format"]) ?? ""}`,
        });
      }
      if (block["toolUse"] !== undefined) {
        const use = record(block["toolUse"]);
        view.toolCalls.push({
          id: text(use["toolUseId"]) ?? "",
          name: text(use["name"]) ?? "",
          arguments: use["input"],
        });
      }
      if (block["toolResult"] !== undefined) {
        const result = record(block["toolResult"]);
        view.toolResults.push({
          id: text(result["toolUseId"]) ?? "",
          content: list(result["content"])
            .map((part) => text(record(part)["text"]) ?? JSON.stringify(record(part)["json"]))
            .join(""),
        });
      }
      if (block["reasoningContent"] !== undefined) {
        const reasoning = record(block["reasoningContent"]);
        const reasoningText = record(reasoning["reasoningText"]);
        if (reasoning["redactedContent"] !== undefined)
          view.reasoning.push({ redacted: String(reasoning["redactedContent"]) });
        else
          view.reasoning.push({
            text: text(reasoningText["text"]) ?? "",
            signature: text(reasoningText["signature"]) ?? "",
          });
      }
    }
  }
  return view;
}

/** SigV4-signed for the configured key and region; turns alternate; tool results answer the previous turn. */
function validateBedrockRequest(request: SeenRequest): void {
  assert.match(
    String(request.headers["authorization"]),
    /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=.+, Signature=[0-9a-f]{64}$/,
  );
  assert.match(String(request.headers["x-amz-date"]), /^\d{8}T\d{6}Z$/);
  let previous: Record<string, unknown>[] = [];
  list(record(request.json)["messages"]).forEach((entry, index) => {
    const message = record(entry);
    assert.equal(message["role"], index % 2 === 0 ? "user" : "assistant", "turns alternate, user first");
    const blocks = list(message["content"]).map(record);
    assert.ok(blocks.length > 0, "no empty content (a recorded ValidationException)");
    const calls = new Set(previous.map((block) => record(block["toolUse"])["toolUseId"]).filter(Boolean));
    for (const block of blocks.filter((candidate) => candidate["toolResult"] !== undefined)) {
      assert.ok(calls.has(record(block["toolResult"])["toolUseId"]), "tool results answer the previous turn");
    }
    previous = blocks;
  });
}

const tools = [
  {
    name: "get_capital",
    description: "Get the capital of a country.",
    parameters: { type: "object", properties: { country: { type: "string" } }, required: ["country"] },
  },
  {
    name: "get_temperature",
    description: "Get the temperature in a city.",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
];

export const bedrockCase: ProviderCase = {
  provider: "bedrock",
  model: MODEL,
  upstream: "remote",
  deployment: (url) => ({
    apiBase: url,
    extra: {
      aws_access_key_id: "AKIDEXAMPLE",
      aws_secret_access_key: "contract-secret",
      aws_region_name: "us-east-1",
    },
  }),
  read: readBedrockBody,
  validateRequest: validateBedrockRequest,
  plans: {
    simple: {
      replies: [jsonFile("bedrock/converse-basic.json", CONVERSE)],
      expect: { textIncludes: 'There are **3** "r"s', finish: "stop", usage: { prompt: 22, completion: 57 } },
    },
    streamed: {
      replies: [stream(() => events("bedrock/converse-stream-text.events.jsonl"))],
      expect: {
        text: 'Let me count the "r"s in "strawberry":\n\ns-t-**r**-a-w-b-e-**r**-**r**-y\n\nThere are **3** r\'s in "strawberry."',
        finish: "stop",
      },
    },
    usage_in_stream: {
      // metadata (with usage) arrives after messageStop.
      replies: [stream(() => events("bedrock/converse-stream-text.events.jsonl"))],
      expect: { finish: "stop", usage: { prompt: 22, completion: 55 } },
    },
    tools_single: {
      replies: [cassetteStream(0)],
      tools,
      expect: {
        finish: "tool_calls",
        toolCalls: [{ name: "get_temperature", arguments: { city: "Paris" } }],
      },
    },
    tools_parallel: {
      replies: [
        stream(
          () => [
            ...recordedToolStream(),
            [
              "contentBlockStart",
              {
                contentBlockIndex: 1,
                start: { toolUse: { name: "get_capital", toolUseId: "tooluse_contract_second" } },
              },
            ],
            [
              "contentBlockDelta",
              { contentBlockIndex: 1, delta: { toolUse: { input: '{"country":"France"}' } } },
            ],
            ["contentBlockStop", { contentBlockIndex: 1 }],
            ...tail(471, 91),
          ],
          {
            synthetic:
              "no recorded parallel Converse stream: the recorded tool block twice, second with its own id",
          },
        ),
      ],
      tools,
      expect: {
        toolCalls: [
          { name: "get_temperature", arguments: { city: "Paris" } },
          { name: "get_capital", arguments: { country: "France" } },
        ],
      },
    },
    tools_no_args: {
      replies: [
        stream(
          () => [...recordedToolStream().filter(([type]) => type !== "contentBlockDelta"), ...tail(471, 20)],
          {
            synthetic:
              "no recorded argument-less Converse call: the recorded tool block without input deltas",
          },
        ),
      ],
      tools,
      expect: { toolCalls: [{ name: "get_temperature", arguments: {} }] },
    },
    tool_round_trip: {
      replies: [cassetteStream(0), cassetteStream(1)],
      tools,
      expect: { toolCalls: [{ name: "get_temperature", arguments: { city: "Paris" } }] },
      followUp: {
        stream: true,
        expect: { text: "The current temperature in Paris, the capital of France, is 30°C.", finish: "stop" },
      },
    },
    vision: {
      replies: [jsonFile("bedrock/converse-basic.json", CONVERSE)],
      imageSources: ["data"],
      limitation:
        "Bedrock takes image bytes only; an http(s) image URL is a 400 (the gateway does not fetch)",
      expect: { finish: "stop" },
    },
    json_schema: {
      replies: [
        {
          status: 200,
          contentType: "application/json",
          path: CONVERSE,
          synthetic:
            "no recorded forced-tool Converse answer; converse-basic.json's shape with a toolUse block",
          body: (request) => {
            const forced = record(record(record(request.json)["toolConfig"])["toolChoice"])["tool"];
            return JSON.stringify({
              output: {
                message: {
                  role: "assistant",
                  content: [
                    {
                      toolUse: {
                        toolUseId: "tooluse_contract_json",
                        name: record(forced)["name"],
                        input: { city: "Paris", temperature: 30, units: "c" },
                      },
                    },
                  ],
                },
              },
              stopReason: "tool_use",
              usage: { inputTokens: 40, outputTokens: 20, totalTokens: 60 },
              metrics: { latencyMs: 100 },
            });
          },
        },
      ],
      expect: { text: '{"city":"Paris","temperature":30,"units":"c"}' },
    },
    reasoning_round_trip: {
      replies: [
        stream(() => events("bedrock/converse-stream-reasoning.events.jsonl")),
        jsonFile("bedrock/converse-basic.json", CONVERSE),
      ],
      expect: {
        textIncludes: "There are **3** r's",
        reasoning: {
          textIncludes: "appears at positions 3, 8, and 9",
          signature: true,
          sentBack: "text-and-signature",
        },
      },
    },
    error_bad_request: {
      replies: [
        {
          status: 400,
          contentType: "application/json",
          path: CONVERSE,
          headers: {
            "x-amzn-errortype": "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/",
          },
          body: () =>
            JSON.stringify(
              (
                JSON.parse(readFixture("errors/bedrock-400-validation-with-headers.json")) as {
                  body: unknown;
                }
              ).body,
            ),
        },
      ],
    },
    error_upstream_auth: {
      replies: [
        documented(
          403,
          "UnrecognizedClientException",
          "The security token included in the request is invalid.",
        ),
      ],
    },
    error_not_found: {
      replies: [
        documented(
          404,
          "ResourceNotFoundException",
          "Could not resolve the foundation model from the provided model identifier.",
        ),
      ],
    },
    error_rate_limited: {
      replies: [
        documented(429, "ThrottlingException", "Too many requests, please wait before trying again."),
      ],
    },
    error_overloaded: {
      replies: [documented(503, "ServiceUnavailableException", "Bedrock is unable to process your request.")],
    },
    error_in_stream: {
      replies: [
        {
          status: 200,
          contentType: EVENT_STREAM,
          path: STREAM,
          synthetic:
            "recorded text events, then an exception message (documented :message-type exception frame)",
          body: () =>
            Buffer.concat([
              ...events("bedrock/converse-stream-text.events.jsonl").slice(0, 3).map(frame),
              encodeAwsEventStreamMessage(
                {
                  ":exception-type": "serviceUnavailableException",
                  ":content-type": "application/json",
                  ":message-type": "exception",
                },
                JSON.stringify({ message: "Bedrock is unable to process your request." }),
              ),
            ]),
        },
      ],
    },
    client_abort: {
      replies: [stream(() => events("bedrock/converse-stream-text.events.jsonl"), { hangAfter: 3 })],
    },
  },
};
