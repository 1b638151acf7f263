/**
 * Gemini (Google AI Studio) and Vertex AI behind the contract suite: the same wire format and recordings
 * (test/fixtures/conformance/gemini and errors/), different URLs and credentials. The 401/403, 503 and in-stream
 * error bodies are not in the corpus and are built from Google's documented error envelope
 * (`{error:{code,message,status}}`, ai.google.dev/gemini-api/docs/troubleshooting) and marked synthetic.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { readFixture } from "../../helpers/provider-fixtures.js";
import type { ProviderCase, ScenarioPlan, WireView } from "../contract-types.js";
import type { FakeReply, SeenRequest } from "../fake-upstream.js";
import {
  cassetteReply,
  chunksFile,
  errorReply,
  frame,
  hangAfter,
  jsonFile,
  recordingReply,
} from "../replies.js";
import { list, record, text } from "./wire.js";

const MODEL = "gemini-3-pro-preview";
const THOUGHT_SIGNATURE_TOOL = "gemini/cassette-stream-tool-call-thought-signature.yaml";

const documented = (code: number, status: string, message: string) => ({
  synthetic: `no recorded ${status} answer in the corpus; Google's documented error envelope`,
  json: { error: { code, message, status } },
});

function readGeminiBody(body: unknown): WireView {
  const root = record(body);
  const generation = record(root["generationConfig"]);
  const view: WireView = {
    tools: list(root["tools"]).flatMap((tool) =>
      list(record(tool)["functionDeclarations"]).map(
        (declaration) => text(record(declaration)["name"]) ?? "",
      ),
    ),
    toolCalls: [],
    toolResults: [],
    images: [],
    reasoning: [],
    userTexts: [],
    reasoningRequested: generation["thinkingConfig"] !== undefined,
  };
  const schema = generation["responseSchema"] ?? generation["responseJsonSchema"];
  if (schema !== undefined) view.jsonSchema = schema;
  for (const content of list(root["contents"]).map(record)) {
    for (const part of list(content["parts"]).map(record)) {
      const signature = text(part["thoughtSignature"]);
      if (part["functionCall"] !== undefined) {
        const call = record(part["functionCall"]);
        view.toolCalls.push({
          id: text(call["id"]),
          name: text(call["name"]) ?? "",
          arguments: call["args"] ?? {},
          ...(signature !== undefined ? { signature } : {}),
        });
        continue;
      }
      if (part["functionResponse"] !== undefined) {
        const response = record(part["functionResponse"]);
        view.toolResults.push({
          id: text(response["id"]),
          name: text(response["name"]) ?? "",
          content: JSON.stringify(response["response"]),
        });
        continue;
      }
      if (part["inlineData"] !== undefined) {
        const data = record(part["inlineData"]);
        view.images.push({ base64: text(data["data"]) ?? "", mediaType: text(data["mimeType"]) ?? "" });
      }
      if (part["fileData"] !== undefined)
        view.images.push({ url: text(record(part["fileData"])["fileUri"]) ?? "" });
      if (part["thought"] === true) view.reasoning.push({ text: text(part["text"]) ?? "" });
      else if (signature !== undefined) view.reasoning.push({ signature });
      else if (content["role"] === "user" && typeof part["text"] === "string")
        view.userTexts.push(part["text"]);
    }
  }
  return view;
}

/** What generateContent would reject: unknown roles, empty turns, function responses that answer nothing. */
function validateGeminiContents(request: SeenRequest): void {
  assert.ok(!request.path.includes("key="), "no credential in the URL");
  const contents = list(record(request.json)["contents"]).map(record);
  assert.equal(contents[0]?.["role"], "user", "the conversation starts with a user turn");
  contents.forEach((content, index) => {
    assert.ok(["user", "model"].includes(String(content["role"])), "roles are user and model");
    const parts = list(content["parts"]).map(record);
    assert.ok(parts.length > 0, "no empty turn");
    const responses = parts.filter((part) => part["functionResponse"] !== undefined);
    if (responses.length === 0) return;
    const previous = list(contents[index - 1]?.["parts"]).map(record);
    const called = previous.filter((part) => part["functionCall"] !== undefined);
    assert.equal(contents[index - 1]?.["role"], "model", "function responses follow the model's calls");
    assert.equal(responses.length, called.length, "one function response per function call");
  });
}

function googlePlans(path: (stream: boolean) => string): ProviderCase["plans"] {
  const unary = path(false);
  const stream = path(true);
  const text = (file: string): FakeReply => chunksFile(file, "gemini", stream);
  const plans: Record<string, ScenarioPlan> = {
    simple: {
      replies: [jsonFile("gemini/generate-content-basic.json", unary)],
      expect: {
        text: "There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.",
        finish: "stop",
        // Gemini's candidatesTokenCount excludes thoughts; completion_tokens includes them (28 + 244).
        usage: { prompt: 9, completion: 272, reasoning: 244 },
      },
    },
    streamed: {
      replies: [text("gemini/stream-generate-content-text.chunks.jsonl")],
      expect: { text: 'There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y', finish: "stop" },
    },
    usage_in_stream: {
      replies: [text("gemini/stream-generate-content-text.chunks.jsonl")],
      expect: { finish: "stop", usage: { prompt: 9, completion: 208, reasoning: 185 } },
    },
    tools_single: {
      replies: [text("gemini/stream-function-call.chunks.jsonl")],
      tools: [
        { name: "weather", parameters: { type: "object", properties: { location: { type: "string" } } } },
      ],
      expect: { toolCalls: [{ name: "weather", arguments: { location: "San Francisco" } }] },
    },
    tools_parallel: {
      replies: [text("gemini/stream-function-call-partial-args.chunks.jsonl")],
      tools: [
        { name: "getWeather", parameters: { type: "object", properties: { location: { type: "string" } } } },
      ],
      expect: {
        toolCalls: [
          { name: "getWeather", arguments: { location: "Boston" } },
          { name: "getWeather", arguments: { location: "San Francisco" } },
        ],
      },
    },
    tools_no_args: {
      replies: [text("gemini/stream-thought-and-partial-function-args.chunks.jsonl")],
      tools: [
        { name: "read_theme", parameters: { type: "object", properties: {} } },
        { name: "read_screen", parameters: { type: "object", properties: { id: { type: "string" } } } },
      ],
      expect: {
        toolCalls: [
          { name: "read_theme", arguments: {} },
          { name: "read_screen", arguments: { id: "A" } },
          { name: "read_screen", arguments: { id: "B" } },
          { name: "read_screen", arguments: { id: "C" } },
        ],
      },
    },
    tool_round_trip: {
      // A Gemini 3 function call carries a thoughtSignature that must come back with the call.
      replies: [
        cassetteReply(THOUGHT_SIGNATURE_TOOL, 0, stream),
        cassetteReply(THOUGHT_SIGNATURE_TOOL, 1, stream),
      ],
      tools: [{ name: "get_country", description: "", parameters: { type: "object", properties: {} } }],
      expect: { toolCalls: [{ name: "get_country", arguments: {} }], toolCallSignatures: true },
      followUp: { stream: true, expect: { text: "The capital of Mexico is Mexico City.", finish: "stop" } },
    },
    vision: {
      replies: [cassetteReply("gemini/cassette-vertex-file-uri-input.yaml", 0, unary)],
      expect: { textIncludes: "landing page of Wikipedia", finish: "stop" },
    },
    json_schema: {
      replies: [recordingReply("gemini/recording-response-json-schema.json", 0, unary)],
      expect: { textIncludes: '"simpleString":"Hello"', finish: "stop" },
    },
    reasoning_round_trip: {
      replies: [
        cassetteReply("gemini/cassette-stream-thoughts.yaml", 0, stream),
        jsonFile("gemini/generate-content-basic.json", unary),
      ],
      expect: {
        textIncludes: "This is a great question!",
        reasoning: { textIncludes: "**Clarifying User Goals**", signature: true, sentBack: "signature" },
      },
    },
    error_bad_request: {
      replies: [errorReply(400, { file: "errors/gemini-400-invalid-argument.json" }, {}, unary)],
    },
    error_upstream_auth: {
      replies: [
        errorReply(403, documented(403, "PERMISSION_DENIED", "Permission denied on resource."), {}, unary),
      ],
    },
    error_not_found: {
      replies: [cassetteReply("errors/gemini-404-model-not-found.cassette.yaml", 0, unary)],
    },
    error_rate_limited: {
      // RetryInfo.retryDelay "34.4s" → 35 s for the caller.
      replies: [errorReply(429, { file: "errors/gemini-429-resource-exhausted.json" }, {}, unary)],
      expect: { retryAfterSeconds: 35 },
    },
    error_overloaded: {
      replies: [
        errorReply(
          503,
          documented(503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
          {},
          unary,
        ),
      ],
    },
    error_in_stream: {
      replies: [
        {
          status: 200,
          contentType: "text/event-stream",
          path: stream,
          synthetic:
            "recorded text chunks, then Google's documented error envelope as an SSE event (not recorded)",
          body: () =>
            `${frame(readFixture("gemini/stream-generate-content-text.chunks.jsonl"), "gemini")
              .split("\r\n\r\n")
              .slice(0, 2)
              .join("\r\n\r\n")}\r\n\r\ndata: ${JSON.stringify(
              documented(503, "UNAVAILABLE", "The model is overloaded. Please try again later.").json,
            )}\r\n\r\n`,
        },
      ],
    },
    client_abort: {
      replies: [hangAfter(text("gemini/stream-generate-content-text.chunks.jsonl"), 1, "\r\n\r\n")],
    },
  };
  return plans;
}

export const geminiCase: ProviderCase = {
  provider: "gemini",
  model: MODEL,
  upstream: "remote",
  deployment: (url) => ({ apiBase: url, apiKey: "AIza-contract-upstream", extra: {} }),
  read: readGeminiBody,
  validateRequest(request) {
    assert.equal(request.headers["x-goog-api-key"], "AIza-contract-upstream");
    validateGeminiContents(request);
  },
  plans: googlePlans(
    (stream) => `/v1beta/models/${MODEL}:${stream ? "streamGenerateContent" : "generateContent"}`,
  ),
};

/** A throwaway service account: the fake token endpoint does not verify it (the Vertex tests do). */
const serviceAccount = {
  type: "service_account",
  project_id: "contract-project",
  private_key_id: "contract-key",
  private_key: generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString(),
  client_email: "gateway@contract-project.iam.gserviceaccount.com",
};

export const vertexCase: ProviderCase = {
  provider: "vertex_ai",
  model: MODEL,
  upstream: "remote",
  deployment: (url) => ({
    apiBase: url,
    extra: {
      vertex_project: "contract-project",
      vertex_location: "us-central1",
      vertex_credentials: JSON.stringify(serviceAccount),
      vertex_token_url: `${url}/token`,
    },
  }),
  fixedRoutes: {
    // Google's OAuth token answer (documented shape: access_token, expires_in, token_type).
    "/token": () => ({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ access_token: "ya29.contract-token", expires_in: 3600, token_type: "Bearer" }),
    }),
  },
  read: readGeminiBody,
  validateRequest(request) {
    assert.equal(request.headers["authorization"], "Bearer ya29.contract-token");
    assert.equal(request.headers["x-goog-api-key"], undefined);
    validateGeminiContents(request);
  },
  plans: googlePlans(
    (stream) =>
      `/v1/projects/contract-project/locations/us-central1/publishers/google/models/${MODEL}:${
        stream ? "streamGenerateContent" : "generateContent"
      }`,
  ),
};
