import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isRetryableKind } from "../../../src/core/errors/error-kind.js";
import { parseGeminiError } from "../../../src/providers/gemini/gemini-error.js";
import { readCassette, readFixture, readJsonFixture } from "../../helpers/provider-fixtures.js";

/** The documented Google error envelope (ai.google.dev/gemini-api/docs/troubleshooting). */
function documented(code: number, status: string, message: string, details: unknown[] = []): string {
  return JSON.stringify({ error: { code, message, status, details } });
}

describe("gemini errors", () => {
  it("maps INVALID_ARGUMENT to a bad request (errors/gemini-400-invalid-argument.json)", () => {
    const error = parseGeminiError(400, readFixture("errors/gemini-400-invalid-argument.json"), {});
    assert.equal(error.kind, "upstream_bad_request");
    assert.equal(error.reason, "INVALID_ARGUMENT");
    assert.match(error.message, /Penalty is not enabled/);
  });

  it("maps NOT_FOUND to model_not_found, also on a streaming URL (errors/gemini-404-*)", () => {
    const [interaction] = readCassette("errors/gemini-404-model-not-found.cassette.yaml");
    assert.equal(
      parseGeminiError(404, JSON.stringify(interaction!.response.parsed_body), {}).kind,
      "model_not_found",
    );
    const recording = readJsonFixture("errors/gemini-404-stream-not-found.recording.json") as {
      interactions: { response: { bodySegments: unknown[] } }[];
    };
    const body = JSON.stringify(recording.interactions[0]!.response.bodySegments[0]);
    const error = parseGeminiError(404, body, { "content-type": "text/event-stream" });
    assert.equal(error.kind, "model_not_found");
    assert.equal(error.upstreamStatus, 404);
  });

  it("maps RESOURCE_EXHAUSTED with its RetryInfo delay (errors/gemini-429-resource-exhausted.json)", () => {
    const error = parseGeminiError(429, readFixture("errors/gemini-429-resource-exhausted.json"), {
      "retry-after": "1",
    });
    assert.equal(error.kind, "upstream_rate_limited");
    assert.equal(error.retryAfterMs, 34_400, "RetryInfo wins over the header");
    assert.ok(isRetryableKind(error.kind));
  });

  // Not recorded in the corpus (see its README "Gaps"); built from the documented envelope.
  const synthetic: [number, string, string, unknown[], string][] = [
    [
      400,
      "INVALID_ARGUMENT",
      "API key not valid. Please pass a valid API key.",
      [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "API_KEY_INVALID",
          domain: "googleapis.com",
        },
      ],
      "upstream_auth",
    ],
    [403, "PERMISSION_DENIED", "Permission denied", [], "upstream_auth"],
    [401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", [], "upstream_auth"],
    [
      400,
      "INVALID_ARGUMENT",
      "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
      [],
      "context_window_exceeded",
    ],
    [503, "UNAVAILABLE", "The model is overloaded. Please try again later.", [], "upstream_unavailable"],
    [500, "INTERNAL", "An internal error has occurred.", [], "upstream_unavailable"],
    [504, "DEADLINE_EXCEEDED", "Deadline exceeded", [], "timeout"],
  ];
  for (const [status, rpcStatus, message, details, kind] of synthetic) {
    it(`maps a synthetic ${status} ${rpcStatus} to ${kind} (documented shape)`, () => {
      assert.equal(parseGeminiError(status, documented(status, rpcStatus, message, details), {}).kind, kind);
    });
  }

  it("hides upstream detail on credential errors and names Vertex when it is Vertex", () => {
    const error = parseGeminiError(
      403,
      documented(403, "PERMISSION_DENIED", "key AIza-secret denied"),
      {},
      "vertex_ai",
    );
    assert.ok(!error.message.includes("AIza-secret"));
    assert.match(error.message, /Vertex AI/);
    assert.equal(error.provider, "vertex_ai");
  });

  it("reads an array-wrapped error body and falls back to the status without one", () => {
    assert.equal(
      parseGeminiError(429, `[${documented(429, "RESOURCE_EXHAUSTED", "quota")}]`, {}).kind,
      "upstream_rate_limited",
    );
    assert.equal(parseGeminiError(502, "<html></html>", {}).kind, "upstream_unavailable");
    assert.equal(parseGeminiError(429, "", { "retry-after": "3" }).retryAfterMs, 3000);
  });
});
