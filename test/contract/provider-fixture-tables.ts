/**
 * Per-provider scenario tables for the contract suite (one suite × every provider). Each entry says which
 * recorded upstream answer a fake upstream on 127.0.0.1 serves for a scenario, at which path, and how it is
 * framed. The suite runner (lead-owned, not in the tree yet) starts the fake upstream, points a deployment's
 * api_base at it and runs the scenario; a provider without an entry for a scenario is skipped by name.
 * Errors without a recording are built from the documented envelope and marked `synthetic`.
 */
import { frameChunks, readFixture } from "../helpers/provider-fixtures.js";
import { providerTablesB } from "./provider-fixture-tables-b.js";

export type ContractScenario =
  | "simple"
  | "streamed"
  | "tools_single"
  | "tools_parallel"
  | "tools_no_args"
  | "reasoning"
  | "usage_in_stream"
  | "error_bad_request"
  | "error_not_found"
  | "error_rate_limited"
  | "error_overloaded_midstream";

export interface FakeReply {
  /** Path (and query) the adapter must call; the suite asserts it. */
  path: string;
  status: number;
  contentType: string;
  /** Text, or bytes for binary framings (Bedrock's event stream); `response.end` takes either. */
  body: () => string | Uint8Array;
  headers?: Record<string, string>;
  /** Built from documented shapes, not recorded. */
  synthetic?: boolean;
}

export interface ProviderFixtureTable {
  provider: string;
  model: string;
  /** `litellm_params.extra` a deployment needs besides api_base / api_key. */
  extra?: Record<string, unknown>;
  scenarios: Partial<Record<ContractScenario, FakeReply>>;
}

const anthropicSse =
  (path: string): (() => string) =>
  () =>
    path.endsWith(".sse") ? readFixture(path) : frameChunks(readFixture(path), "anthropic");
const geminiSse =
  (path: string): (() => string) =>
  () =>
    frameChunks(readFixture(path), "gemini");
const json =
  (path: string): (() => string) =>
  () =>
    readFixture(path);

const ANTHROPIC = "/v1/messages";
export const anthropicTable: ProviderFixtureTable = {
  provider: "anthropic",
  model: "claude-sonnet-4-5",
  scenarios: {
    simple: {
      path: ANTHROPIC,
      status: 200,
      contentType: "application/json",
      body: json("anthropic/messages-basic.json"),
    },
    streamed: {
      path: ANTHROPIC,
      status: 200,
      contentType: "text/event-stream",
      body: anthropicSse("anthropic/messages-stream-text.sse"),
    },
    tools_single: {
      path: ANTHROPIC,
      status: 200,
      contentType: "text/event-stream",
      body: anthropicSse("anthropic/messages-stream-tool-use.sse"),
    },
    tools_no_args: {
      path: ANTHROPIC,
      status: 200,
      contentType: "text/event-stream",
      body: anthropicSse("anthropic/messages-stream-tool-no-args.chunks.jsonl"),
    },
    reasoning: {
      path: ANTHROPIC,
      status: 200,
      contentType: "text/event-stream",
      body: anthropicSse("anthropic/messages-stream-thinking.chunks.jsonl"),
    },
    usage_in_stream: {
      path: ANTHROPIC,
      status: 200,
      contentType: "text/event-stream",
      body: anthropicSse("anthropic/messages-stream-message-delta-input-tokens.chunks.jsonl"),
    },
    error_bad_request: {
      path: ANTHROPIC,
      status: 400,
      contentType: "application/json",
      body: json("errors/anthropic-400-invalid-request.json"),
    },
    error_rate_limited: {
      path: ANTHROPIC,
      status: 429,
      contentType: "application/json",
      headers: { "retry-after": "3" },
      synthetic: true,
      body: () =>
        JSON.stringify({ type: "error", error: { type: "rate_limit_error", message: "rate limited" } }),
    },
    error_overloaded_midstream: {
      path: ANTHROPIC,
      status: 200,
      contentType: "text/event-stream",
      body: () =>
        frameChunks(readFixture("anthropic/messages-stream-text.chunks.jsonl"), "anthropic").split(
          "event: content_block_stop",
        )[0] + readFixture("errors/anthropic-midstream-overloaded.sse"),
    },
  },
};

const GEMINI_MODEL = "gemini-3-pro-preview";
const geminiPath = (stream: boolean, prefix = "/v1beta/models") =>
  `${prefix}/${GEMINI_MODEL}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`;

function googleScenarios(prefix: string): ProviderFixtureTable["scenarios"] {
  return {
    simple: {
      path: geminiPath(false, prefix),
      status: 200,
      contentType: "application/json",
      body: json("gemini/generate-content-basic.json"),
    },
    streamed: {
      path: geminiPath(true, prefix),
      status: 200,
      contentType: "text/event-stream",
      body: geminiSse("gemini/stream-generate-content-text.chunks.jsonl"),
    },
    tools_single: {
      path: geminiPath(true, prefix),
      status: 200,
      contentType: "text/event-stream",
      body: geminiSse("gemini/stream-function-call.chunks.jsonl"),
    },
    tools_parallel: {
      path: geminiPath(true, prefix),
      status: 200,
      contentType: "text/event-stream",
      body: geminiSse("gemini/stream-function-call-partial-args.chunks.jsonl"),
    },
    tools_no_args: {
      path: geminiPath(true, prefix),
      status: 200,
      contentType: "text/event-stream",
      body: geminiSse("gemini/stream-thought-and-partial-function-args.chunks.jsonl"),
    },
    usage_in_stream: {
      path: geminiPath(true, prefix),
      status: 200,
      contentType: "text/event-stream",
      body: geminiSse("gemini/stream-generate-content-text.chunks.jsonl"),
    },
    error_bad_request: {
      path: geminiPath(false, prefix),
      status: 400,
      contentType: "application/json",
      body: json("errors/gemini-400-invalid-argument.json"),
    },
    error_rate_limited: {
      path: geminiPath(false, prefix),
      status: 429,
      contentType: "application/json",
      body: json("errors/gemini-429-resource-exhausted.json"),
    },
  };
}

export const geminiTable: ProviderFixtureTable = {
  provider: "gemini",
  model: GEMINI_MODEL,
  scenarios: googleScenarios("/v1beta/models"),
};

/** Vertex needs a token endpoint too: the suite serves `{access_token, expires_in}` at `/token` on the same fake. */
export const vertexTable: ProviderFixtureTable = {
  provider: "vertex_ai",
  model: GEMINI_MODEL,
  extra: {
    vertex_project: "contract-project",
    vertex_location: "us-central1" /* + vertex_credentials, vertex_token_url */,
  },
  scenarios: googleScenarios("/v1/projects/contract-project/locations/us-central1/publishers/google/models"),
};

export const providerTables: ProviderFixtureTable[] = [
  anthropicTable,
  geminiTable,
  vertexTable,
  ...providerTablesB,
];
