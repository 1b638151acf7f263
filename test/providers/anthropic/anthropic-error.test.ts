import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isRetryableKind } from "../../../src/core/errors/error-kind.js";
import { parseAnthropicError } from "../../../src/providers/anthropic/anthropic-error.js";
import { readCassette, readFixture } from "../../helpers/provider-fixtures.js";

/** Builds an Anthropic error body in the documented envelope (docs.anthropic.com/en/api/errors). */
function documented(type: string, message: string): string {
  return JSON.stringify({ type: "error", error: { type, message }, request_id: "req_synthetic" });
}

describe("anthropic errors", () => {
  it("maps the recorded 400 invalid_request_error (errors/anthropic-400-invalid-request.json)", () => {
    const error = parseAnthropicError(400, readFixture("errors/anthropic-400-invalid-request.json"), {});
    assert.equal(error.kind, "upstream_bad_request");
    assert.equal(error.upstreamStatus, 400);
    assert.equal(error.provider, "anthropic");
    assert.match(error.message, /tool_result/);
  });

  it("maps the recorded 400 and 404 cassettes by error.type", () => {
    const [badEffort] = readCassette("errors/anthropic-400-invalid-request.cassette.yaml");
    const [notFound] = readCassette("errors/anthropic-404-not-found.cassette.yaml");
    assert.equal(
      parseAnthropicError(400, JSON.stringify(badEffort!.response.parsed_body), {}).kind,
      "upstream_bad_request",
    );
    const missing = parseAnthropicError(404, JSON.stringify(notFound!.response.parsed_body), {});
    assert.equal(missing.kind, "model_not_found");
    assert.equal(missing.reason, "not_found_error");
  });

  // No recorded copies of these exist in the corpus (see its README "Gaps"); bodies follow the documented shape.
  const synthetic: [number, string, string, string, boolean][] = [
    [401, "authentication_error", "invalid x-api-key", "upstream_auth", false],
    [403, "permission_error", "not allowed", "upstream_auth", false],
    [
      413,
      "request_too_large",
      "Request exceeds the maximum allowed number of bytes.",
      "payload_too_large",
      false,
    ],
    [
      429,
      "rate_limit_error",
      "Number of request tokens has exceeded your per-minute rate limit",
      "upstream_rate_limited",
      true,
    ],
    [500, "api_error", "Internal server error", "upstream_unavailable", true],
    [529, "overloaded_error", "Overloaded", "upstream_unavailable", true],
    [
      400,
      "invalid_request_error",
      "prompt is too long: 210000 tokens > 200000 maximum",
      "context_window_exceeded",
      false,
    ],
  ];
  for (const [status, type, message, kind, retryable] of synthetic) {
    it(`maps a synthetic ${status} ${type} to ${kind} (documented shape)`, () => {
      const error = parseAnthropicError(status, documented(type, message), { "retry-after": "7" });
      assert.equal(error.kind, kind);
      assert.equal(isRetryableKind(error.kind), retryable);
      assert.equal(error.upstreamStatus, status);
      if (kind === "upstream_rate_limited") assert.equal(error.retryAfterMs, 7000);
    });
  }

  it("never passes the upstream's credential message to the caller", () => {
    const error = parseAnthropicError(
      401,
      documented("authentication_error", "invalid x-api-key sk-ant-abc"),
      {},
    );
    assert.ok(!error.message.includes("sk-ant-abc"));
  });

  it("falls back to the status when the body is not Anthropic's envelope", () => {
    assert.equal(parseAnthropicError(502, "<html>bad gateway</html>", {}).kind, "upstream_unavailable");
    assert.equal(parseAnthropicError(429, "", { "retry-after": "2" }).retryAfterMs, 2000);
    assert.equal(parseAnthropicError(401, "", {}).kind, "upstream_auth");
    assert.equal(parseAnthropicError(404, "", {}).kind, "model_not_found");
  });
});
