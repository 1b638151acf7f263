import { GatewayError } from "../../core/errors/gateway-error.js";
import type { UpstreamMessage } from "../../core/types/provider.js";

/** Longest SSE line we accept before calling the upstream broken (guards memory against a runaway line). */
export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;
/** Largest SSE event (its `data:` lines together) we accept: many short lines must not make one huge event. */
export const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

/**
 * An incremental Server-Sent Events parser (WHATWG rules): lines end in CRLF, LF or CR, including a CR at the
 * end of one read whose LF starts the next; multi-byte UTF-8 characters split across reads are joined by a
 * streaming TextDecoder; `data:` lines of one event are joined with "\n"; comments and `id:`/`retry:` are
 * ignored. Hand-written because it sits on the streaming hot path and must be exact byte by byte.
 *
 * Bounded while parsing (GUARDS 8): each read is scanned once (a partial line is kept as pieces, never
 * re-scanned or re-concatenated per read), and the moment a line or an event passes its bound the parser throws
 * an `upstream_protocol` error, so a runaway upstream costs at most the bound, in linear time. Bounds count
 * UTF-16 code units (one per byte for the ASCII that SSE framing is).
 */
export class SseParser {
  private readonly decoder = new TextDecoder("utf-8");
  /** The current line so far, in pieces (one per read it spans). */
  private pending: string[] = [];
  private pendingLength = 0;
  private skipLeadingLf = false;
  private eventName: string | undefined;
  private data: string[] = [];
  private dataLength = 0;
  private readonly maxLineChars: number;
  private readonly maxEventChars: number;

  constructor(maxLineBytes = DEFAULT_MAX_LINE_BYTES, maxEventBytes = DEFAULT_MAX_EVENT_BYTES) {
    this.maxLineChars = maxLineBytes;
    this.maxEventChars = maxEventBytes;
  }

  /** Feeds one read of bytes; returns the events it completed. */
  push(chunk: Uint8Array): UpstreamMessage[] {
    return this.feed(this.decoder.decode(chunk, { stream: true }));
  }

  /** The body ended: returns the last event if the upstream did not end it with a blank line. */
  end(): UpstreamMessage[] {
    const out = this.feed(this.decoder.decode());
    if (this.pending.length > 0) this.line(this.takePending(""), out);
    this.dispatch(out);
    return out;
  }

  private feed(text: string): UpstreamMessage[] {
    const out: UpstreamMessage[] = [];
    const length = text.length;
    if (length === 0) return out;
    let start = 0;
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (text.charCodeAt(0) === 10) start = 1;
    }
    for (let index = start; index < length; index++) {
      const code = text.charCodeAt(index);
      if (code !== 10 && code !== 13) continue;
      if (index - start > this.maxLineChars) {
        throw tooLong("The upstream sent an over-long stream line.", "sse_line_too_long");
      }
      const piece = text.slice(start, index);
      this.line(this.pending.length > 0 ? this.takePending(piece) : piece, out);
      if (code === 13) {
        if (index + 1 < length) {
          if (text.charCodeAt(index + 1) === 10) index++;
        } else {
          this.skipLeadingLf = true;
        }
      }
      start = index + 1;
    }
    if (start < length) {
      this.pendingLength += length - start;
      if (this.pendingLength > this.maxLineChars) {
        this.pending = [];
        this.pendingLength = 0;
        throw tooLong("The upstream sent an over-long stream line.", "sse_line_too_long");
      }
      this.pending.push(start === 0 ? text : text.slice(start));
    }
    return out;
  }

  /** The pending pieces plus `last`, as one line; the pending state is reset. */
  private takePending(last: string): string {
    this.pending.push(last);
    const line = this.pending.join("");
    this.pending = [];
    this.pendingLength = 0;
    if (line.length > this.maxLineChars) {
      throw tooLong("The upstream sent an over-long stream line.", "sse_line_too_long");
    }
    return line;
  }

  private line(line: string, out: UpstreamMessage[]): void {
    if (line.length === 0) {
      this.dispatch(out);
      return;
    }
    const first = line.charCodeAt(0);
    if (first === 58) return; // ":" comment
    const colon = line.indexOf(":");
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = "";
    } else {
      field = line.slice(0, colon);
      value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
    }
    if (field === "data") {
      this.dataLength += value.length + 1;
      if (this.dataLength > this.maxEventChars) {
        this.data = [];
        this.dataLength = 0;
        throw tooLong("The upstream sent an over-long stream event.", "sse_event_too_long");
      }
      this.data.push(value);
    } else if (field === "event") this.eventName = value;
  }

  private dispatch(out: UpstreamMessage[]): void {
    if (this.data.length === 0) {
      this.eventName = undefined;
      return;
    }
    const data = this.data.length === 1 ? (this.data[0] as string) : this.data.join("\n");
    out.push(this.eventName === undefined ? { data } : { event: this.eventName, data });
    this.data = [];
    this.dataLength = 0;
    this.eventName = undefined;
  }
}

function tooLong(message: string, reason: string): GatewayError {
  return new GatewayError("upstream_protocol", message, { reason });
}
