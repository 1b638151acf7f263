import { GatewayError } from "../../core/errors/gateway-error.js";
import type { UpstreamMessage } from "../../core/types/provider.js";

/** Longest SSE line we accept before calling the upstream broken (guards memory against a runaway line). */
export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * An incremental Server-Sent Events parser (WHATWG rules): lines end in CRLF, LF or CR, including a CR at the
 * end of one read whose LF starts the next; multi-byte UTF-8 characters split across reads are joined by a
 * streaming TextDecoder; `data:` lines of one event are joined with "\n"; comments and `id:`/`retry:` are
 * ignored. Hand-written because it sits on the streaming hot path and must be exact byte by byte.
 */
export class SseParser {
  private readonly decoder = new TextDecoder("utf-8");
  private buffer = "";
  private skipLeadingLf = false;
  private eventName: string | undefined;
  private data: string[] = [];
  private readonly maxLineChars: number;

  constructor(maxLineBytes = DEFAULT_MAX_LINE_BYTES) {
    this.maxLineChars = maxLineBytes;
  }

  /** Feeds one read of bytes; returns the events it completed. */
  push(chunk: Uint8Array): UpstreamMessage[] {
    return this.feed(this.decoder.decode(chunk, { stream: true }));
  }

  /** The body ended: returns the last event if the upstream did not end it with a blank line. */
  end(): UpstreamMessage[] {
    const out = this.feed(this.decoder.decode());
    if (this.buffer.length > 0) {
      this.line(this.buffer, out);
      this.buffer = "";
    }
    this.dispatch(out);
    return out;
  }

  private feed(text: string): UpstreamMessage[] {
    const out: UpstreamMessage[] = [];
    if (text.length === 0) return out;
    let input = this.buffer.length > 0 ? this.buffer + text : text;
    this.buffer = "";
    let start = 0;
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (input.charCodeAt(0) === 10) start = 1;
    }
    const length = input.length;
    for (let index = start; index < length; index++) {
      const code = input.charCodeAt(index);
      if (code !== 10 && code !== 13) continue;
      this.line(input.slice(start, index), out);
      if (code === 13) {
        if (index + 1 < length) {
          if (input.charCodeAt(index + 1) === 10) index++;
        } else {
          this.skipLeadingLf = true;
        }
      }
      start = index + 1;
    }
    if (start < length) {
      const rest = input.slice(start);
      if (rest.length > this.maxLineChars) {
        throw new GatewayError("upstream_protocol", "The upstream sent an over-long stream line.", {
          reason: "sse_line_too_long",
        });
      }
      this.buffer = rest;
    }
    input = "";
    return out;
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
    if (field === "data") this.data.push(value);
    else if (field === "event") this.eventName = value;
  }

  private dispatch(out: UpstreamMessage[]): void {
    if (this.data.length === 0) {
      this.eventName = undefined;
      return;
    }
    const data = this.data.length === 1 ? (this.data[0] as string) : this.data.join("\n");
    out.push(this.eventName === undefined ? { data } : { event: this.eventName, data });
    this.data = [];
    this.eventName = undefined;
  }
}
