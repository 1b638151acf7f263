/**
 * Hosts that speak OpenAI's wire: Azure OpenAI, Mistral and the OpenAI-compatible family (one case per family
 * prefix, generated from the adapter table). Each uses its own recordings where the corpus has them
 * (test/fixtures/conformance/azure, mistral, openai-compatible) and OpenAI's otherwise; their error bodies are
 * OpenAI's envelope, which these hosts document as theirs.
 */
import assert from "node:assert/strict";
import { OPENAI_COMPATIBLE_FAMILIES } from "../../../src/providers/openai-compatible/families.js";
import type { ProviderCase } from "../contract-types.js";
import { chunksFile, hangAfter, jsonFile, sseFile } from "../replies.js";
import { openAIWireCase } from "./openai.js";

const AZURE_PATH = "/openai/deployments/gpt-5-nano/chat/completions";

export const azureCase: ProviderCase = openAIWireCase({
  provider: "azure",
  model: "gpt-5-nano",
  path: AZURE_PATH,
  deployment: (url) => ({ apiBase: url, apiKey: "azure-contract-key", apiVersion: "2024-10-21", extra: {} }),
  validate(request) {
    assert.equal(request.headers["api-key"], "azure-contract-key");
    assert.match(request.path, /\?api-version=2024-10-21$/);
  },
  plans: {
    // Azure's stream opens with a `choices: []` chunk of prompt_filter_results and carries content filters.
    streamed: {
      replies: [chunksFile("azure/chat-stream-content-filter.chunks.jsonl", "openai", AZURE_PATH)],
      expect: { text: "Capital of Denmark.", finish: "stop" },
    },
    usage_in_stream: {
      replies: [chunksFile("azure/chat-stream-content-filter.chunks.jsonl", "openai", AZURE_PATH)],
      expect: { finish: "stop", usage: { prompt: 15, completion: 78, reasoning: 64, cached: 0 } },
    },
    client_abort: {
      replies: [
        hangAfter(chunksFile("azure/chat-stream-content-filter.chunks.jsonl", "openai", AZURE_PATH), 3),
      ],
    },
  },
});

const MISTRAL_PATH = "/v1/chat/completions";

export const mistralCase: ProviderCase = openAIWireCase({
  provider: "mistral",
  // A Magistral model: reasoning_effort becomes its prompt_mode.
  model: "magistral-medium-latest",
  path: MISTRAL_PATH,
  streamOptions: false,
  deployment: (url) => ({ apiBase: `${url}/v1`, apiKey: "mistral-contract-key", extra: {} }),
  validate: (request) => assert.equal(request.headers["authorization"], "Bearer mistral-contract-key"),
  plans: {
    simple: {
      replies: [jsonFile("mistral/chat-basic.json", MISTRAL_PATH)],
      expect: { textIncludes: "World Kindness Day", finish: "stop", usage: { prompt: 13, completion: 434 } },
    },
    // Usage arrives on the last chunk without stream_options.
    streamed: {
      replies: [chunksFile("mistral/chat-stream-text.chunks.jsonl", "openai", MISTRAL_PATH)],
      expect: { text: "Hello, world! This is a test response.", finish: "stop" },
    },
    usage_in_stream: {
      replies: [chunksFile("mistral/chat-stream-text.chunks.jsonl", "openai", MISTRAL_PATH)],
      expect: { finish: "stop", usage: { prompt: 13, completion: 8 } },
    },
    // The whole call in one delta, without index or type, in the finish chunk.
    tools_single: {
      replies: [chunksFile("mistral/chat-stream-tool-call.chunks.jsonl", "openai", MISTRAL_PATH)],
      tools: [
        { name: "weather", parameters: { type: "object", properties: { location: { type: "string" } } } },
      ],
      expect: { toolCalls: [{ name: "weather", arguments: { location: "San Francisco" } }] },
    },
    // Magistral streams thinking as typed content chunks; Mistral takes no reasoning back on the next turn.
    reasoning_round_trip: {
      replies: [
        chunksFile("mistral/chat-stream-reasoning.chunks.jsonl", "openai", MISTRAL_PATH),
        jsonFile("mistral/chat-basic.json", MISTRAL_PATH),
      ],
      expect: {
        text: "2 + 2 = 4",
        reasoning: { textIncludes: "This is basic arithmetic.", signature: false, sentBack: "signature" },
      },
      limitation: "Magistral returns thinking without a signature and its wire takes none back",
    },
    client_abort: {
      replies: [hangAfter(chunksFile("mistral/chat-stream-text.chunks.jsonl", "openai", MISTRAL_PATH), 2)],
    },
  },
});

/** One case per OpenAI-compatible family prefix: OpenAI's recordings, small streams, DeepSeek's reasoning. */
export const openAICompatibleCases: ProviderCase[] = OPENAI_COMPATIBLE_FAMILIES.map((family) => {
  const path = "/v1/chat/completions";
  const smallStream = () => sseFile("openai/chat-stream-json-schema.sse", path);
  return openAIWireCase({
    provider: family.prefix,
    model: "contract-model",
    path,
    deployment: (url) => ({ apiBase: `${url}/v1`, apiKey: `${family.prefix}-contract-key`, extra: {} }),
    validate: (request) =>
      assert.equal(request.headers["authorization"], `Bearer ${family.prefix}-contract-key`),
    plans: {
      streamed: {
        replies: [smallStream()],
        expect: { text: '{"city":"San Francisco","temperature":61,"units":"f"}', finish: "stop" },
      },
      usage_in_stream: {
        replies: [smallStream()],
        expect: { finish: "stop", usage: { prompt: 79, completion: 14 } },
      },
      // DeepSeek-style `reasoning_content`: returned to the caller, not sent back (DeepSeek rejects it).
      reasoning_round_trip: {
        replies: [
          jsonFile("openai-compatible/deepseek-reasoning-content.json", path),
          jsonFile("openai/chat-basic.json", path),
        ],
        stream: false,
        expect: {
          textIncludes: 'three instances of the letter "r"',
          usage: { prompt: 18, completion: 345, reasoning: 315 },
          reasoning: { textIncludes: "s-t-r-a-w-b-e-r-r-y", signature: false, sentBack: "signature" },
        },
      },
    },
  });
});
