import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ErrorKind } from "../../../src/core/errors/error-kind.js";
import { ERROR_KINDS } from "../../../src/core/errors/error-kind.js";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import { failurePolicy } from "../../../src/router/cooldown-policy.js";
import { planFallbacks } from "../../../src/router/fallbacks.js";
import { RetryBudget } from "../../../src/router/retry-budget.js";
import { backoffMs, type RetryPolicyOptions, retriesFor } from "../../../src/router/retry-policy.js";

const policy: RetryPolicyOptions = {
  numRetries: 2,
  perClass: {},
  minWaitMs: 0,
  baseBackoffMs: 100,
  maxBackoffMs: 1000,
};

describe("retry policy", () => {
  it("retries retryable kinds num_retries times and never retries caller or gateway kinds", () => {
    const never: ErrorKind[] = [
      "invalid_request",
      "cancelled",
      "rate_limited",
      "budget_exceeded",
      "internal",
      "context_window_exceeded",
      "unavailable",
    ];
    for (const kind of ERROR_KINDS) {
      const got = retriesFor(kind, policy);
      if (["upstream_rate_limited", "upstream_unavailable", "timeout", "connection_error"].includes(kind))
        assert.equal(got, 2, kind);
      else assert.equal(got, 0, kind);
    }
    const everything: RetryPolicyOptions = {
      ...policy,
      perClass: {
        badRequest: 4,
        authentication: 4,
        timeout: 4,
        rateLimit: 4,
        contentPolicyViolation: 4,
        internalServer: 4,
      },
    };
    for (const kind of never) assert.equal(retriesFor(kind, everything), 0, kind);
  });

  it("retry_policy overrides per class, and may opt in auth and content policy", () => {
    const custom = {
      ...policy,
      perClass: { rateLimit: 5, timeout: 0, authentication: 1, contentPolicyViolation: 1 },
    };
    assert.equal(retriesFor("upstream_rate_limited", custom), 5);
    assert.equal(retriesFor("timeout", custom), 0);
    assert.equal(retriesFor("upstream_auth", custom), 1);
    assert.equal(retriesFor("content_policy", custom), 1);
    assert.equal(retriesFor("connection_error", custom), 2);
  });

  it("backoff is full jitter under an exponential cap, at least retry_after", () => {
    for (const retry of [0, 1, 2, 3, 10]) {
      const cap = Math.min(1000, 100 * 2 ** retry);
      assert.equal(
        backoffMs(retry, policy, () => 0),
        0,
      );
      assert.ok(backoffMs(retry, policy, () => 0.999_999) <= cap);
      assert.ok(backoffMs(retry, policy, () => 0.999_999) >= cap - 1);
      assert.equal(
        backoffMs(retry, { ...policy, minWaitMs: 250 }, () => 0),
        250,
      );
    }
  });
});

describe("retry budget", () => {
  it("allows ratio × requests + a floor per window, then refuses", () => {
    let now = 0;
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 1, windowMs: 10_000 }, () => now);
    for (let index = 0; index < 100; index++) budget.recordRequest();
    let granted = 0;
    while (budget.tryRetry()) granted++;
    assert.equal(granted, 30); // 0.2 × 100 + 1/s × 10 s
    now += 11_000; // the window slid past everything
    granted = 0;
    while (budget.tryRetry()) granted++;
    assert.equal(granted, 10);
  });
});

describe("cooldown policy", () => {
  const options = {
    allowedFails: 3,
    allowedFailsPolicy: {},
    cooldownMs: 5000,
    windowMs: 60_000,
    disabled: false,
  };
  it("counts upstream health failures, not the request's own faults", () => {
    assert.equal(
      failurePolicy(new GatewayError("upstream_unavailable", "x"), false, options)?.allowedFails,
      3,
    );
    assert.equal(failurePolicy(new GatewayError("upstream_auth", "x"), false, options)?.allowedFails, 3);
    assert.equal(failurePolicy(new GatewayError("upstream_bad_request", "x"), false, options), undefined);
    assert.equal(failurePolicy(new GatewayError("content_policy", "x"), false, options), undefined);
    assert.equal(failurePolicy(new GatewayError("cancelled", "x"), false, options), undefined);
    assert.equal(
      failurePolicy(new GatewayError("upstream_bad_request", "x"), false, {
        ...options,
        allowedFailsPolicy: { badRequest: 10 },
      })?.allowedFails,
      10,
    );
    assert.equal(
      failurePolicy(new GatewayError("timeout", "x"), false, { ...options, disabled: true }),
      undefined,
    );
  });
  it("a failed probe cools at once; a long Retry-After lengthens the cooldown", () => {
    assert.equal(failurePolicy(new GatewayError("timeout", "x"), true, options)?.immediate, true);
    const limited = new GatewayError("upstream_rate_limited", "x", { retryAfterMs: 30_000 });
    assert.equal(failurePolicy(limited, false, options)?.cooldownMs, 30_000);
  });
});

describe("fallback plans", () => {
  const options = {
    fallbacks: { a: ["b", "c"], "*": ["z"] },
    contextWindowFallbacks: { a: ["a-long"] },
    contentPolicyFallbacks: { a: ["a-lenient"] },
    defaultFallbacks: ["d"],
    maxFallbacks: 5,
  };
  const table: [string, ErrorKind, readonly string[] | undefined, ReturnType<typeof planFallbacks>][] = [
    ["a", "upstream_unavailable", undefined, { groups: ["b", "c"], reason: "fallback" }],
    ["a", "unavailable", undefined, { groups: ["b", "c"], reason: "fallback" }],
    ["other", "timeout", undefined, { groups: ["z"], reason: "fallback" }],
    ["a", "context_window_exceeded", undefined, { groups: ["a-long"], reason: "context_window_fallback" }],
    ["a", "content_policy", undefined, { groups: ["a-lenient"], reason: "content_policy_fallback" }],
    ["b", "context_window_exceeded", undefined, undefined],
    ["a", "invalid_request", undefined, undefined],
    ["a", "upstream_bad_request", undefined, undefined],
    ["a", "cancelled", undefined, undefined],
    ["a", "upstream_rate_limited", ["x", "y"], { groups: ["x", "y"], reason: "fallback" }],
  ];
  for (const [group, kind, request, expected] of table) {
    it(`${group} ${kind}${request ? " with request fallbacks" : ""}`, () => {
      assert.deepEqual(planFallbacks(group, kind, options, request), expected);
    });
  }
  it("default_fallbacks when no group list, and max_fallbacks trims", () => {
    assert.deepEqual(planFallbacks("q", "timeout", { ...options, fallbacks: {} }, undefined), {
      groups: ["d"],
      reason: "fallback",
    });
    assert.deepEqual(planFallbacks("a", "timeout", { ...options, maxFallbacks: 1 }, undefined), {
      groups: ["b"],
      reason: "fallback",
    });
  });
});
