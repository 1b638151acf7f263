/**
 * Contract-suite tables for the providers of issue 4 (Bedrock, Cohere, Ollama, Mistral, Azure and the
 * OpenAI-compatible family). Same shape as provider-fixture-tables.ts. Paths assume the suite sets `api_base` to
 * the fake's origin (no path): the adapters append their own paths. Bedrock bodies are binary event streams, so
 * those `body()` functions return bytes (Node's `response.end` takes either).
 */
import { encodeAwsEventStreamMessage } from "../../src/providers/shared/aws-event-stream.js";
import { frameChunks, readFixture, readJsonFixture } from "../helpers/provider-fixtures.js";
import { cassetteResponseBytes, readCassette } from "../providers/support/conformance.js";
import type { ProviderFixtureTable } from "./provider-fixture-tables.js";

const json =
  (path: string): (() => string) =>
  () =>
    readFixture(path);

/** OpenAI-style SSE from a `.chunks.jsonl` file: `data: <line>` events and a final `[DONE]`. */
const openaiSse =
  (path: string): (() => string) =>
  () =>
    `${readFixture(path)
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => `data: ${line}\n\n`)
      .join("")}data: [DONE]\n\n`;

const cohereSse =
  (path: string): (() => string) =>
  () =>
    frameChunks(readFixture(path), "anthropic");

// ---------------------------------------------------------------- Bedrock

const BEDROCK_MODEL = "us.amazon.nova-micro-v1:0";
const BEDROCK_CONVERSE = "/model/us.amazon.nova-micro-v1%3A0/converse";
const BEDROCK_STREAM = "/model/us.amazon.nova-micro-v1%3A0/converse-stream";
const EVENT_STREAM = "application/vnd.amazon.eventstream";

function eventFrame(type: string, payload: unknown): Uint8Array {
  return encodeAwsEventStreamMessage(
    { ":event-type": type, ":content-type": "application/json", ":message-type": "event" },
    JSON.stringify(payload),
  );
}

/** `.events.jsonl` → binary event stream, as the corpus README says a fake Bedrock must send it. */
const bedrockEvents =
  (path: string): (() => Uint8Array) =>
  () =>
    Buffer.concat(
      readFixture(path)
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => {
          const [type, payload] = Object.entries(JSON.parse(line) as Record<string, unknown>)[0] as [
            string,
            unknown,
          ];
          return eventFrame(type, payload);
        }),
    );

const bedrockCassette =
  (path: string, interaction = 0): (() => Uint8Array) =>
  () =>
    cassetteResponseBytes(
      readCassette("bedrock", path)[interaction] as Parameters<typeof cassetteResponseBytes>[0],
    );

export const bedrockTable: ProviderFixtureTable = {
  provider: "bedrock",
  model: BEDROCK_MODEL,
  extra: {
    aws_access_key_id: "AKIDEXAMPLE",
    aws_secret_access_key: "contract-secret",
    aws_region_name: "us-east-1",
  },
  scenarios: {
    simple: {
      path: BEDROCK_CONVERSE,
      status: 200,
      contentType: "application/json",
      body: json("bedrock/converse-basic.json"),
    },
    streamed: {
      path: BEDROCK_STREAM,
      status: 200,
      contentType: EVENT_STREAM,
      body: () =>
        Buffer.from(
          (
            readJsonFixture("bedrock/converse-stream-live.eventstream.b64.json") as {
              response: { bodyBase64: string };
            }
          ).response.bodyBase64,
          "base64",
        ),
    },
    tools_single: {
      path: BEDROCK_STREAM,
      status: 200,
      contentType: EVENT_STREAM,
      body: bedrockCassette("cassette-converse-iter-stream.yaml"),
    },
    reasoning: {
      path: BEDROCK_STREAM,
      status: 200,
      contentType: EVENT_STREAM,
      body: bedrockEvents("bedrock/converse-stream-reasoning.events.jsonl"),
    },
    usage_in_stream: {
      path: BEDROCK_STREAM,
      status: 200,
      contentType: EVENT_STREAM,
      body: bedrockEvents("bedrock/converse-stream-text.events.jsonl"),
    },
    error_bad_request: {
      path: BEDROCK_CONVERSE,
      status: 400,
      contentType: "application/json",
      headers: {
        "x-amzn-errortype": "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/",
      },
      body: () =>
        JSON.stringify(
          (readJsonFixture("errors/bedrock-400-validation-with-headers.json") as { body: unknown }).body,
        ),
    },
    error_not_found: {
      path: BEDROCK_CONVERSE,
      status: 400,
      contentType: "application/json",
      body: () =>
        JSON.stringify(
          readCassette("errors", "bedrock-400-invalid-model.cassette.yaml")[0]?.response.parsed_body,
        ),
    },
    error_rate_limited: {
      path: BEDROCK_CONVERSE,
      status: 429,
      contentType: "application/json",
      headers: {
        "x-amzn-errortype": "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
      },
      synthetic: true,
      body: () => JSON.stringify({ message: "Too many requests, please wait before trying again." }),
    },
    error_overloaded_midstream: {
      path: BEDROCK_STREAM,
      status: 200,
      contentType: EVENT_STREAM,
      synthetic: true,
      body: () =>
        Buffer.concat([
          eventFrame("messageStart", { role: "assistant" }),
          eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hel" } }),
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
  },
};

// ---------------------------------------------------------------- Cohere

const COHERE = "/v2/chat";
export const cohereTable: ProviderFixtureTable = {
  provider: "cohere",
  model: "command-r-plus-08-2024",
  scenarios: {
    simple: {
      path: COHERE,
      status: 200,
      contentType: "application/json",
      body: json("cohere/chat-v2-basic.json"),
    },
    streamed: {
      path: COHERE,
      status: 200,
      contentType: "text/event-stream",
      body: cohereSse("cohere/chat-v2-stream-text.chunks.jsonl"),
    },
    tools_parallel: {
      path: COHERE,
      status: 200,
      contentType: "text/event-stream",
      body: cohereSse("cohere/chat-v2-stream-tool-call.chunks.jsonl"),
    },
    reasoning: {
      path: COHERE,
      status: 200,
      contentType: "text/event-stream",
      body: cohereSse("cohere/chat-v2-stream-reasoning.chunks.jsonl"),
    },
    usage_in_stream: {
      path: COHERE,
      status: 200,
      contentType: "text/event-stream",
      body: cohereSse("cohere/chat-v2-stream-text.chunks.jsonl"),
    },
    error_bad_request: {
      path: COHERE,
      status: 400,
      contentType: "application/json",
      synthetic: true,
      body: () => JSON.stringify({ message: "invalid request: message must be at least 1 token long" }),
    },
    error_rate_limited: {
      path: COHERE,
      status: 429,
      contentType: "application/json",
      synthetic: true,
      body: () =>
        JSON.stringify({ message: "You are using a Trial key, which is limited to 10 API calls / minute." }),
    },
  },
};

// ---------------------------------------------------------------- Ollama

const OLLAMA = "/api/chat";
const NDJSON = "application/x-ndjson";
export const ollamaTable: ProviderFixtureTable = {
  provider: "ollama",
  model: "llama3.2",
  scenarios: {
    simple: {
      path: OLLAMA,
      status: 200,
      contentType: "application/json",
      body: () =>
        JSON.stringify((readJsonFixture("ollama/chat-basic.json") as { response: unknown }).response),
    },
    streamed: { path: OLLAMA, status: 200, contentType: NDJSON, body: json("ollama/chat-stream.ndjson") },
    tools_single: {
      path: OLLAMA,
      status: 200,
      contentType: NDJSON,
      body: json("ollama/chat-stream-tools.ndjson"),
    },
    usage_in_stream: {
      path: OLLAMA,
      status: 200,
      contentType: NDJSON,
      body: json("ollama/chat-stream.ndjson"),
    },
    error_bad_request: {
      path: OLLAMA,
      status: 400,
      contentType: "application/json",
      body: json("errors/ollama-error.json"),
    },
    error_not_found: {
      path: OLLAMA,
      status: 404,
      contentType: "application/json",
      synthetic: true,
      body: () => JSON.stringify({ error: 'model "llama3.2" not found, try pulling it first' }),
    },
    error_rate_limited: {
      path: OLLAMA,
      status: 429,
      contentType: "application/json",
      synthetic: true,
      body: () => JSON.stringify({ error: "too many requests" }),
    },
    error_overloaded_midstream: {
      path: OLLAMA,
      status: 200,
      contentType: NDJSON,
      body: json("errors/ollama-midstream-error.ndjson"),
    },
  },
};

// ---------------------------------------------------------------- Mistral

const CHAT = "/chat/completions";
export const mistralTable: ProviderFixtureTable = {
  provider: "mistral",
  model: "mistral-small-latest",
  scenarios: {
    simple: {
      path: CHAT,
      status: 200,
      contentType: "application/json",
      body: json("mistral/chat-basic.json"),
    },
    streamed: {
      path: CHAT,
      status: 200,
      contentType: "text/event-stream",
      body: openaiSse("mistral/chat-stream-text.chunks.jsonl"),
    },
    tools_single: {
      path: CHAT,
      status: 200,
      contentType: "text/event-stream",
      body: openaiSse("mistral/chat-stream-tool-call.chunks.jsonl"),
    },
    reasoning: {
      path: CHAT,
      status: 200,
      contentType: "text/event-stream",
      body: openaiSse("mistral/chat-stream-reasoning.chunks.jsonl"),
    },
    usage_in_stream: {
      path: CHAT,
      status: 200,
      contentType: "text/event-stream",
      body: openaiSse("mistral/chat-stream-text.chunks.jsonl"),
    },
    error_rate_limited: {
      path: CHAT,
      status: 429,
      contentType: "application/json",
      synthetic: true,
      body: () => JSON.stringify({ message: "Requests rate limit exceeded" }),
    },
  },
};

// ---------------------------------------------------------------- Azure OpenAI

const AZURE = "/openai/deployments/gpt-5-nano/chat/completions?api-version=2024-10-21";
export const azureTable: ProviderFixtureTable = {
  provider: "azure",
  model: "gpt-5-nano",
  scenarios: {
    simple: {
      path: AZURE,
      status: 200,
      contentType: "application/json",
      body: json("openai/chat-basic.json"),
    },
    streamed: {
      path: AZURE,
      status: 200,
      contentType: "text/event-stream",
      body: openaiSse("azure/chat-stream-content-filter.chunks.jsonl"),
    },
    usage_in_stream: {
      path: AZURE,
      status: 200,
      contentType: "text/event-stream",
      body: openaiSse("azure/chat-stream-content-filter.chunks.jsonl"),
    },
    tools_parallel: {
      path: AZURE,
      status: 200,
      contentType: "text/event-stream",
      body: json("openai/chat-stream-parallel-tools.sse"),
    },
    error_bad_request: {
      path: AZURE,
      status: 400,
      contentType: "application/json",
      body: json("errors/openai-400-unsupported-parameter.json"),
    },
  },
};

// ---------------------------------------------------------------- OpenAI-compatible family

export const groqTable: ProviderFixtureTable = {
  provider: "groq",
  model: "llama-3.3-70b-versatile",
  scenarios: {
    tools_no_args: {
      path: CHAT,
      status: 200,
      contentType: "text/event-stream",
      body: openaiSse("openai-compatible/groq-stream-tool-call.chunks.jsonl"),
    },
  },
};

export const deepseekTable: ProviderFixtureTable = {
  provider: "deepseek",
  model: "deepseek-reasoner",
  scenarios: {
    simple: {
      path: CHAT,
      status: 200,
      contentType: "application/json",
      body: json("openai-compatible/deepseek-reasoning-content.json"),
    },
  },
};

export const xaiTable: ProviderFixtureTable = {
  provider: "xai",
  model: "grok-3-mini",
  scenarios: {
    tools_single: {
      path: CHAT,
      status: 200,
      contentType: "text/event-stream",
      body: openaiSse("openai-compatible/xai-stream-tool-call.chunks.jsonl"),
    },
    reasoning: {
      path: CHAT,
      status: 200,
      contentType: "text/event-stream",
      body: openaiSse("openai-compatible/xai-stream-tool-call.chunks.jsonl"),
    },
  },
};

export const openrouterTable: ProviderFixtureTable = {
  provider: "openrouter",
  model: "anthropic/claude-haiku-4.5",
  scenarios: {
    tools_single: {
      path: CHAT,
      status: 200,
      contentType: "text/event-stream",
      body: json("openai-compatible/anthropic-compat-irregular-tool-index.sse"),
    },
  },
};

export const providerTablesB: ProviderFixtureTable[] = [
  bedrockTable,
  cohereTable,
  ollamaTable,
  mistralTable,
  azureTable,
  groqTable,
  deepseekTable,
  xaiTable,
  openrouterTable,
];
