import { GatewayError } from "../../core/errors/gateway-error.js";
import type { UpstreamMessage } from "../../core/types/provider.js";
import { DEFAULT_MAX_LINE_BYTES } from "./sse.js";

/**
 * Splits newline-delimited JSON (Ollama's native stream) into one message per non-empty line. Each read is
 * scanned once; a partial line is kept in pieces and the parser throws the moment it passes the bound
 * (GUARDS 8: cut while parsing, never after).
 */
export class NdjsonParser {
  private readonly decoder = new TextDecoder("utf-8");
  private pending: string[] = [];
  private pendingLength = 0;

  constructor(private readonly maxLineChars = DEFAULT_MAX_LINE_BYTES) {}

  push(chunk: Uint8Array): UpstreamMessage[] {
    return this.feed(this.decoder.decode(chunk, { stream: true }), false);
  }

  end(): UpstreamMessage[] {
    return this.feed(this.decoder.decode(), true);
  }

  private feed(text: string, final: boolean): UpstreamMessage[] {
    const out: UpstreamMessage[] = [];
    let start = 0;
    for (let index = text.indexOf("\n"); index !== -1; index = text.indexOf("\n", start)) {
      if (this.pendingLength + index - start > this.maxLineChars) this.tooLong();
      let line = text.slice(start, index);
      if (this.pending.length > 0) {
        this.pending.push(line);
        line = this.pending.join("");
        this.pending = [];
        this.pendingLength = 0;
      }
      line = line.trim();
      if (line.length > 0) out.push({ data: line });
      start = index + 1;
    }
    if (start < text.length) {
      this.pendingLength += text.length - start;
      if (this.pendingLength > this.maxLineChars) this.tooLong();
      this.pending.push(start === 0 ? text : text.slice(start));
    }
    if (final && this.pending.length > 0) {
      const line = this.pending.join("").trim();
      this.pending = [];
      this.pendingLength = 0;
      if (line.length > 0) out.push({ data: line });
    }
    return out;
  }

  private tooLong(): never {
    this.pending = [];
    this.pendingLength = 0;
    throw new GatewayError("upstream_protocol", "The upstream sent an over-long stream line.", {
      reason: "ndjson_line_too_long",
    });
  }
}
