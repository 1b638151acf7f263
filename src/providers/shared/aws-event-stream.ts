import { EventStreamCodec, type MessageHeaders } from "@smithy/core/event-streams";
import { fromUtf8, toUtf8 } from "@smithy/core/serde";
import { GatewayError } from "../../core/errors/gateway-error.js";
import type { UpstreamMessage } from "../../core/types/provider.js";

/** Prelude (total length, headers length, prelude CRC) plus the trailing message CRC. */
const FRAME_OVERHEAD_BYTES = 16;

/**
 * Largest event-stream message we accept. Bedrock messages are a few hundred bytes (a text delta plus padding);
 * the AWS limit for one message is 16 MiB. A larger length prefix means a broken or hostile stream, and waiting
 * for it would hold that much memory.
 */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** Shared codec: stateless for encode/decode (its feed/queue API is not used). Its CRC32 is node:zlib's. */
const codec = new EventStreamCodec(toUtf8, fromUtf8);
const textDecoder = new TextDecoder("utf-8");

/**
 * An incremental parser for the binary AWS event-stream framing (Bedrock ConverseStream). Reads may split a frame
 * anywhere, or carry several frames; frames are cut by their `total_length` prefix and handed whole to Smithy's
 * codec, which verifies both CRC32 checks (prelude and message) and parses every header type. Each message becomes
 * an UpstreamMessage with string headers, `event` = `:event-type` (or `:exception-type` for exception messages)
 * and the payload as text. Same shape as SseParser so execute.ts can treat the three framings alike.
 */
export class AwsEventStreamParser {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Feeds one read of bytes; returns the messages it completed. */
  push(chunk: Uint8Array): UpstreamMessage[] {
    if (chunk.byteLength > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.byteLength;
    }
    const out: UpstreamMessage[] = [];
    while (this.buffered >= 4) {
      const length = this.peekLength();
      if (length < FRAME_OVERHEAD_BYTES || length > this.maxFrameBytes) {
        throw new GatewayError(
          "upstream_protocol",
          "The upstream sent an event-stream message with an invalid length.",
          { reason: "event_stream_frame_length" },
        );
      }
      if (this.buffered < length) break;
      out.push(decodeFrame(this.take(length)));
    }
    return out;
  }

  /** The body ended: a partial frame left over means the stream was cut. */
  end(): UpstreamMessage[] {
    if (this.buffered > 0) {
      this.chunks = [];
      this.buffered = 0;
      throw new GatewayError("upstream_protocol", "The upstream event stream ended inside a message.", {
        reason: "event_stream_truncated",
      });
    }
    return [];
  }

  private peekLength(): number {
    const first = this.chunks[0] as Uint8Array;
    if (first.byteLength >= 4) {
      return new DataView(first.buffer, first.byteOffset, 4).getUint32(0, false);
    }
    const head = this.copy(4);
    return new DataView(head.buffer).getUint32(0, false);
  }

  /** Copies the first `count` buffered bytes without consuming them. */
  private copy(count: number): Uint8Array {
    const out = new Uint8Array(count);
    let offset = 0;
    for (const chunk of this.chunks) {
      if (offset >= count) break;
      const part = chunk.subarray(0, Math.min(chunk.byteLength, count - offset));
      out.set(part, offset);
      offset += part.byteLength;
    }
    return out;
  }

  /** Removes and returns the first `count` buffered bytes, copying only when a frame spans reads. */
  private take(count: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array;
    let frame: Uint8Array;
    if (first.byteLength >= count) {
      frame = first.subarray(0, count);
      if (first.byteLength === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
    } else {
      frame = new Uint8Array(count);
      let offset = 0;
      while (offset < count) {
        const chunk = this.chunks[0] as Uint8Array;
        const need = count - offset;
        if (chunk.byteLength <= need) {
          frame.set(chunk, offset);
          offset += chunk.byteLength;
          this.chunks.shift();
        } else {
          frame.set(chunk.subarray(0, need), offset);
          this.chunks[0] = chunk.subarray(need);
          offset = count;
        }
      }
    }
    this.buffered -= count;
    return frame;
  }
}

function decodeFrame(frame: Uint8Array): UpstreamMessage {
  let decoded: { headers: MessageHeaders; body: Uint8Array };
  try {
    decoded = codec.decode(frame);
  } catch (error) {
    throw new GatewayError("upstream_protocol", "The upstream sent a corrupt event-stream message.", {
      reason: "event_stream_checksum",
      cause: error,
    });
  }
  const headers: Record<string, string> = {};
  for (const [name, header] of Object.entries(decoded.headers)) {
    headers[name] = headerText(header);
  }
  const event =
    headers[":message-type"] === "exception" ? headers[":exception-type"] : headers[":event-type"];
  const data = textDecoder.decode(decoded.body);
  return event === undefined ? { data, headers } : { event, data, headers };
}

function headerText(header: MessageHeaders[string]): string {
  switch (header.type) {
    case "string":
    case "uuid":
      return header.value;
    case "binary":
      return Buffer.from(header.value).toString("base64");
    case "timestamp":
      return header.value.toISOString();
    case "long":
      return header.value.toString();
    case "boolean":
    case "byte":
    case "short":
    case "integer":
      return String(header.value);
  }
}

/**
 * Encodes one event-stream message with string headers (both CRCs computed). For fake upstreams in tests and
 * for anything that must speak the framing back; the gateway itself only decodes.
 */
export function encodeAwsEventStreamMessage(
  headers: Record<string, string>,
  payload: string | Uint8Array,
): Uint8Array {
  const tagged: MessageHeaders = {};
  for (const [name, value] of Object.entries(headers)) tagged[name] = { type: "string", value };
  const body = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  return codec.encode({ headers: tagged, body });
}
