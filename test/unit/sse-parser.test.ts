import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { UpstreamMessage } from "../../src/core/types/provider.js";
import { NdjsonParser } from "../../src/providers/shared/ndjson.js";
import { SseParser } from "../../src/providers/shared/sse.js";
import { randomSplits, readConformance } from "../helpers/conformance.js";

function parseAll(bytes: Uint8Array, pieces: Uint8Array[], parser = new SseParser()): UpstreamMessage[] {
  const out: UpstreamMessage[] = [];
  for (const piece of pieces) out.push(...parser.push(piece));
  out.push(...parser.end());
  assert.ok(bytes.length >= 0);
  return out;
}

describe("SseParser", () => {
  const encoder = new TextEncoder();

  it("handles LF, CRLF and CR line endings alike", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const text = `event: a${eol}data: one${eol}data: two${eol}${eol}: comment${eol}data: three${eol}${eol}`;
      const bytes = encoder.encode(text);
      assert.deepEqual(parseAll(bytes, [bytes]), [{ event: "a", data: "one\ntwo" }, { data: "three" }]);
    }
  });

  it("gives the same events however the bytes are split, including a CR at the end of one read", () => {
    const text = "data: α\r\n\r\ndata: 🙂 emoji\r\n\r\nevent: x\r\ndata:no-space\r\n\r\n";
    const bytes = encoder.encode(text);
    const expected = parseAll(bytes, [bytes]);
    assert.deepEqual(expected, [{ data: "α" }, { data: "🙂 emoji" }, { event: "x", data: "no-space" }]);
    for (let seed = 1; seed <= 50; seed++)
      assert.deepEqual(parseAll(bytes, randomSplits(bytes, seed, 5)), expected);
    // Byte by byte: every multi-byte character is split.
    const single = Array.from(bytes, (byte) => Uint8Array.of(byte));
    assert.deepEqual(parseAll(bytes, single), expected);
  });

  it("replays recorded OpenAI streams identically in random splits", () => {
    for (const name of ["chat-stream-parallel-tools", "chat-stream-n3", "chat-stream-logprobs"]) {
      const bytes = encoder.encode(readConformance(`openai/${name}.sse`));
      const whole = parseAll(bytes, [bytes]);
      assert.equal(whole.at(-1)?.data, "[DONE]");
      for (let seed = 1; seed <= 5; seed++)
        assert.deepEqual(parseAll(bytes, randomSplits(bytes, seed * 7919)), whole);
    }
  });

  it("dispatches a last event that has no trailing blank line", () => {
    const bytes = encoder.encode("data: tail");
    assert.deepEqual(parseAll(bytes, [bytes]), [{ data: "tail" }]);
  });

  it("refuses a runaway line instead of buffering it without bound", () => {
    const parser = new SseParser(1024);
    assert.throws(() => parser.push(encoder.encode(`data: ${"x".repeat(4096)}`)), /over-long/);
  });
});

describe("NdjsonParser", () => {
  it("splits lines across reads and keeps the last line without newline", () => {
    const bytes = new TextEncoder().encode('{"a":1}\n{"b":"é"}\n\n{"c":3}');
    const expected = [{ data: '{"a":1}' }, { data: '{"b":"é"}' }, { data: '{"c":3}' }];
    for (let seed = 1; seed <= 20; seed++) {
      assert.deepEqual(
        parseAll(bytes, randomSplits(bytes, seed, 4), new NdjsonParser() as unknown as SseParser),
        expected,
      );
    }
  });
});
