import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../src/core/errors/gateway-error.js";
import { fromOpenAIRequest, fromOpenAIRequestBySchema } from "../../src/rest/from-openai.js";

/** Runs one path; returns its result or its error's message and param. */
function outcome(run: () => unknown): unknown {
  try {
    return { ok: run() };
  } catch (error) {
    assert.ok(error instanceof GatewayError);
    return { error: error.message, param: error.param, kind: error.kind };
  }
}

const user = [{ role: "user", content: "Hi" }];

/** Bodies on both sides of every check of the hand-written path: each must come out exactly as the schema says. */
const bodies: Record<string, unknown>[] = [
  { model: "gpt-4o", messages: user },
  {
    model: "gpt-4o",
    messages: [
      { role: "system", content: "Be brief." },
      { role: "developer", content: "" },
      { role: "user", content: "Hi", name: "ann" },
      { role: "assistant", content: "Hello" },
    ],
    max_tokens: 256,
    temperature: 0.2,
    top_p: 1,
    stream: true,
    user: "u-1",
  },
  { model: "m", messages: user, max_completion_tokens: 10, max_tokens: 5 },
  { model: "m", messages: user, max_tokens: null, temperature: null, top_p: null, stream: null },
  { model: "m", messages: user, stream: false, temperature: 2, top_p: 0 },
  // Each of these fails a check of the hand-written path, and the schema decides (accepts or refuses).
  { model: "", messages: user },
  { model: "m".repeat(513), messages: user },
  { model: 5, messages: user },
  { model: "m", messages: [] },
  { model: "m", messages: "hi" },
  { model: "m", messages: [null] },
  { model: "m", messages: [{ role: "user" }] },
  { model: "m", messages: [{ role: "user", content: null }] },
  { model: "m", messages: [{ role: "assistant", content: null }] },
  { model: "m", messages: [{ role: "tool", content: "x" }] },
  { model: "m", messages: [{ role: "tool", content: "x", tool_call_id: "c1" }] },
  { model: "m", messages: [{ role: "function", content: "x" }] },
  { model: "m", messages: [{ role: "robot", content: "x" }] },
  { model: "m", messages: [{ role: "user", content: [{ type: "text", text: "x" }] }] },
  { model: "m", messages: [{ role: "user", content: "x", name: null }] },
  { model: "m", messages: [{ role: "user", content: "x", name: "n".repeat(257) }] },
  { model: "m", messages: [{ role: "user", content: "x", extra: 1 }] },
  { model: "m", messages: [{ role: "user", content: "x", cache_control: { type: "ephemeral" } }] },
  { model: "m", messages: user, max_tokens: 0 },
  { model: "m", messages: user, max_tokens: 1.5 },
  { model: "m", messages: user, max_tokens: 10_000_001 },
  { model: "m", messages: user, max_completion_tokens: "5" },
  { model: "m", messages: user, temperature: 2.1 },
  { model: "m", messages: user, temperature: -0.1 },
  { model: "m", messages: user, top_p: 1.5 },
  { model: "m", messages: user, stream: "yes" },
  { model: "m", messages: user, user: null },
  { model: "m", messages: user, user: "u".repeat(513) },
  { model: "m", messages: user, n: 2 },
  { model: "m", messages: user, stream_options: { include_usage: true }, stream: true },
  { model: "m", messages: user, api_base: "http://evil" },
  { model: "m", messages: user, custom_field: { nested: true } },
];

describe("REST request validation: the hand-written path agrees with the schema", () => {
  for (const [index, body] of bodies.entries()) {
    it(`body ${index}: ${JSON.stringify(body).slice(0, 90)}`, () => {
      // A fresh copy each time: neither path may depend on the other having run.
      const fast = outcome(() => fromOpenAIRequest(structuredClone(body)));
      const schema = outcome(() => fromOpenAIRequestBySchema(structuredClone(body)));
      assert.deepEqual(fast, schema);
    });
  }
});
