import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getProvider, listProviders } from "../../../src/providers/registry.js";
import { MAX_RETRY_AFTER_MS, parseRetryAfterMs } from "../../../src/providers/shared/retry-after.js";

const NOW = Date.parse("2026-01-01T00:00:00Z");

describe("parseRetryAfterMs: the one Retry-After parser (providers/shared)", () => {
  it("reads retry-after-ms first, then retry-after as seconds", () => {
    assert.equal(parseRetryAfterMs({ "retry-after-ms": "250", "retry-after": "9" }, NOW), 250);
    assert.equal(parseRetryAfterMs({ "retry-after": "7" }, NOW), 7000);
    assert.equal(parseRetryAfterMs({ "retry-after": "0.5" }, NOW), 500);
    assert.equal(parseRetryAfterMs({ "retry-after-ms": "12.6" }, NOW), 13);
  });

  it("reads an HTTP date relative to now, never negative", () => {
    assert.equal(parseRetryAfterMs({ "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }, NOW), 30_000);
    assert.equal(parseRetryAfterMs({ "retry-after": "Wed, 31 Dec 2025 23:00:00 GMT" }, NOW), 0);
  });

  it("finds the header whatever its case, and takes the first of a repeated header", () => {
    assert.equal(parseRetryAfterMs({ "Retry-After": "3" }, NOW), 3000);
    assert.equal(parseRetryAfterMs({ "Retry-After-Ms": "40" }, NOW), 40);
    assert.equal(parseRetryAfterMs({ "retry-after": ["2", "60"] }, NOW), 2000);
  });

  it("caps what a hostile or broken upstream asks for at one hour", () => {
    assert.equal(parseRetryAfterMs({ "retry-after": "99999999" }, NOW), MAX_RETRY_AFTER_MS);
    assert.equal(parseRetryAfterMs({ "retry-after-ms": "1e12" }, NOW), MAX_RETRY_AFTER_MS);
    assert.equal(
      parseRetryAfterMs({ "retry-after": "Fri, 01 Jan 2100 00:00:00 GMT" }, NOW),
      MAX_RETRY_AFTER_MS,
    );
    assert.equal(MAX_RETRY_AFTER_MS, 3_600_000);
  });

  it("ignores absent, empty, negative and unreadable values", () => {
    assert.equal(parseRetryAfterMs({}, NOW), undefined);
    assert.equal(parseRetryAfterMs({ "retry-after": "" }, NOW), undefined);
    assert.equal(parseRetryAfterMs({ "retry-after": "  " }, NOW), undefined);
    assert.equal(parseRetryAfterMs({ "retry-after": "-5" }, NOW), undefined);
    assert.equal(parseRetryAfterMs({ "retry-after": "soon" }, NOW), undefined);
    assert.equal(parseRetryAfterMs({ "retry-after": "Infinity" }, NOW), undefined);
    // An empty or bad retry-after-ms falls through to retry-after.
    assert.equal(parseRetryAfterMs({ "retry-after-ms": "", "retry-after": "4" }, NOW), 4000);
    assert.equal(parseRetryAfterMs({ "retry-after-ms": "NaN", "retry-after": "4" }, NOW), 4000);
  });
});

describe("every HTTP provider reads Retry-After the same way", () => {
  for (const id of listProviders()) {
    const adapter = getProvider(id);
    if (adapter?.kind !== "http") continue;
    it(`${id}: a 429 keeps the hint, capped, whatever the header's case`, () => {
      const error = adapter.parseError(429, "{}", { "Retry-After": "7" });
      assert.equal(error.kind, "upstream_rate_limited");
      assert.equal(error.retryAfterMs, 7000);
      const hostile = adapter.parseError(429, "{}", { "retry-after": "99999999" });
      assert.equal(hostile.retryAfterMs, MAX_RETRY_AFTER_MS);
    });
  }
});
