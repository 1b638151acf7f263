import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { estimatePrompt, estimateTokens, requestText } from "../../../src/core/estimate/token-estimate.js";
import type { ChatRequest } from "../../../src/core/types/chat.js";

function prompt(text: string): ChatRequest {
  return { model: "m", messages: [{ role: "user", content: text }] };
}

describe("the one prompt estimate (typical count and upper bound, one walk)", () => {
  it("counts UTF-8 bytes: 4 a token typical, 1 a token at most, plus per-message allowances", () => {
    assert.deepEqual(estimatePrompt(prompt("hi")), { tokens: 1 + 4, upperBound: 2 + 8 + 16 });
    assert.deepEqual(estimatePrompt(prompt("x".repeat(400))), { tokens: 100 + 4, upperBound: 400 + 8 + 16 });
  });

  it("counts multi-byte scripts by bytes: closer to a tokenizer than characters ÷ 4", async () => {
    const text = "日本語のテキストを数えます。".repeat(50);
    const { tokens, upperBound } = estimatePrompt(prompt(text));
    const counted = await estimateTokens(text);
    // Characters ÷ 4 would say 175; the tokenizer says more; bytes ÷ 4 is between, and the bound is above.
    assert.ok(tokens > Math.ceil(text.length / 4), `${tokens} > chars/4`);
    assert.ok(Math.abs(tokens - counted) < Math.abs(Math.ceil(text.length / 4) - counted));
    assert.ok(upperBound >= counted, `bound ${upperBound} >= tokenizer ${counted}`);
  });

  it("the upper bound holds over a tokenizer for hostile text (emoji, combining marks, digits, whitespace)", async () => {
    for (const text of [
      "🙂".repeat(300),
      "e\u0301".repeat(500),
      "0123456789".repeat(100),
      " \n\t".repeat(300),
    ]) {
      const counted = await estimateTokens(text);
      assert.ok(estimatePrompt(prompt(text)).upperBound >= counted, text.slice(0, 10));
    }
  });

  it("counts images, tool calls and tool schemas", () => {
    const request: ChatRequest = {
      model: "m",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "look" },
            { type: "image", url: "https://example.com/a.png" },
          ],
        },
        { role: "assistant", content: null, toolCalls: [{ id: "1", name: "f", arguments: '{"a":1}' }] },
      ],
      tools: [{ name: "f", description: "d", parameters: { type: "object" } }],
    };
    const bytes = 4 + (1 + 7) + (1 + 1 + JSON.stringify({ type: "object" }).length);
    assert.deepEqual(estimatePrompt(request), {
      tokens: Math.ceil(bytes / 4) + 2 * 4 + 800,
      upperBound: bytes + 2 * 8 + 2_000 + 16,
    });
    assert.equal(requestText(request), `lookf{"a":1}fd{"type":"object"}`);
  });
});
