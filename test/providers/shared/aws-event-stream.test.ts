import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { UpstreamMessage } from "../../../src/core/types/provider.js";
import {
  AwsEventStreamParser,
  encodeAwsEventStreamMessage,
} from "../../../src/providers/shared/aws-event-stream.js";
import {
  cassetteResponseBytes,
  randomSplit,
  readCassette,
  readCorpusJson,
  SPLIT_SEEDS,
  seededRandom,
} from "../support/conformance.js";

interface DecodedMessage {
  total_length: number;
  headers: Record<string, string>;
  payload: unknown;
}

function liveCapture(): { bytes: Uint8Array; messages: DecodedMessage[] } {
  const capture = readCorpusJson("bedrock", "converse-stream-live.eventstream.b64.json") as {
    response: { bodyBase64: string };
  };
  const decoded = readCorpusJson("bedrock", "converse-stream-live.decoded.json") as {
    messages: DecodedMessage[];
  };
  return {
    bytes: new Uint8Array(Buffer.from(capture.response.bodyBase64, "base64")),
    messages: decoded.messages,
  };
}

function cassetteCaptures(): { name: string; bytes: Uint8Array; messages: DecodedMessage[] }[] {
  const out: { name: string; bytes: Uint8Array; messages: DecodedMessage[] }[] = [];
  for (const name of [
    "cassette-converse-iter-stream",
    "cassette-converse-stream",
    "cassette-converse-thinking-part-stream",
  ]) {
    const interactions = readCassette("bedrock", `${name}.yaml`);
    const decoded = readCorpusJson("bedrock", `${name}.decoded.json`) as {
      interactions: { interaction: number; messages: DecodedMessage[] }[];
    };
    for (const entry of decoded.interactions) {
      const interaction = interactions[entry.interaction];
      assert.ok(interaction);
      out.push({
        name: `${name}#${entry.interaction}`,
        bytes: cassetteResponseBytes(interaction),
        messages: entry.messages,
      });
    }
  }
  return out;
}

function parseAll(pieces: Uint8Array[]): UpstreamMessage[] {
  const parser = new AwsEventStreamParser();
  const out: UpstreamMessage[] = [];
  for (const piece of pieces) out.push(...parser.push(piece));
  out.push(...parser.end());
  return out;
}

function assertMatchesDecoded(messages: UpstreamMessage[], expected: DecodedMessage[]): void {
  assert.equal(messages.length, expected.length);
  messages.forEach((message, index) => {
    const want = expected[index] as DecodedMessage;
    assert.deepEqual(message.headers, want.headers);
    assert.equal(message.event, want.headers[":event-type"]);
    assert.deepEqual(JSON.parse(message.data), want.payload);
  });
}

describe("AwsEventStreamParser", () => {
  it("decodes the live Bedrock capture into the recorded messages (whole body in one read)", () => {
    const { bytes, messages } = liveCapture();
    assertMatchesDecoded(parseAll([bytes]), messages);
  });

  it("decodes every recorded cassette body, however the reads are split", () => {
    const captures = [{ name: "live", ...liveCapture() }, ...cassetteCaptures()];
    assert.ok(captures.length >= 5);
    for (const capture of captures) {
      for (const seed of SPLIT_SEEDS) {
        const pieces = randomSplit(capture.bytes, seededRandom(seed), seed % 2 === 0 ? 7 : 300);
        assertMatchesDecoded(parseAll(pieces), capture.messages);
      }
      // One byte per read: every frame boundary and the 4-byte length prefix split everywhere.
      const bytewise = Array.from(capture.bytes, (_, index) => capture.bytes.subarray(index, index + 1));
      assertMatchesDecoded(parseAll(bytewise), capture.messages);
    }
  });

  it("re-encodes each recorded message to exactly the recorded bytes", () => {
    for (const capture of [{ name: "live", ...liveCapture() }, ...cassetteCaptures()]) {
      const messages = parseAll([capture.bytes]);
      const encoded = messages.map((message) =>
        encodeAwsEventStreamMessage(message.headers ?? {}, message.data),
      );
      const joined = Buffer.concat(encoded);
      assert.equal(Buffer.compare(joined, Buffer.from(capture.bytes)), 0, capture.name);
      let offset = 0;
      capture.messages.forEach((want, index) => {
        assert.equal((encoded[index] as Uint8Array).byteLength, want.total_length);
        offset += want.total_length;
      });
      assert.equal(offset, capture.bytes.byteLength);
    }
  });

  it("rejects a message whose payload CRC does not match", () => {
    const { bytes } = liveCapture();
    const corrupt = new Uint8Array(bytes);
    corrupt[120] = (corrupt[120] as number) ^ 0x01; // inside the first message's payload
    assert.throws(
      () => parseAll([corrupt]),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.kind === "upstream_protocol" &&
        error.reason === "event_stream_checksum",
    );
  });

  it("rejects a message whose prelude CRC does not match", () => {
    const { bytes } = liveCapture();
    const corrupt = new Uint8Array(bytes);
    corrupt[5] = (corrupt[5] as number) ^ 0x01; // headers_length byte: the prelude CRC fails first
    assert.throws(
      () => parseAll([corrupt]),
      (error: unknown) => error instanceof GatewayError && error.reason === "event_stream_checksum",
    );
  });

  it("refuses a frame longer than the bound before buffering it", () => {
    const parser = new AwsEventStreamParser(1024);
    const prelude = new Uint8Array([0x00, 0x10, 0x00, 0x00, 0, 0, 0, 0]); // 1 MiB announced
    assert.throws(
      () => parser.push(prelude),
      (error: unknown) => error instanceof GatewayError && error.reason === "event_stream_frame_length",
    );
    assert.throws(
      () => new AwsEventStreamParser().push(new Uint8Array([0, 0, 0, 4])),
      (error: unknown) => error instanceof GatewayError && error.reason === "event_stream_frame_length",
    );
  });

  it("reports a body that ends inside a message", () => {
    const { bytes } = liveCapture();
    const parser = new AwsEventStreamParser();
    const messages = parser.push(bytes.subarray(0, 200)); // first message (180 bytes) plus 20 of the next
    assert.equal(messages.length, 1);
    assert.throws(
      () => parser.end(),
      (error: unknown) => error instanceof GatewayError && error.reason === "event_stream_truncated",
    );
  });

  it("names exception messages by their :exception-type", () => {
    const frame = encodeAwsEventStreamMessage(
      {
        ":exception-type": "throttlingException",
        ":content-type": "application/json",
        ":message-type": "exception",
      },
      '{"message":"Too many requests"}',
    );
    const [message] = parseAll([frame]);
    assert.equal(message?.event, "throttlingException");
    assert.equal(message?.headers?.[":message-type"], "exception");
  });
});
