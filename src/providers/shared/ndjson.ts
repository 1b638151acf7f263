import { GatewayError } from "../../core/errors/gateway-error.js";
import type { UpstreamMessage } from "../../core/types/provider.js";
import { DEFAULT_MAX_LINE_BYTES } from "./sse.js";

/** Splits newline-delimited JSON (Ollama's native stream) into one message per non-empty line. */
export class NdjsonParser {
  private readonly decoder = new TextDecoder("utf-8");
  private buffer = "";

  constructor(private readonly maxLineChars = DEFAULT_MAX_LINE_BYTES) {}

  push(chunk: Uint8Array): UpstreamMessage[] {
    return this.feed(this.decoder.decode(chunk, { stream: true }), false);
  }

  end(): UpstreamMessage[] {
    return this.feed(this.decoder.decode(), true);
  }

  private feed(text: string, final: boolean): UpstreamMessage[] {
    const out: UpstreamMessage[] = [];
    const input = this.buffer + text;
    let start = 0;
    for (let index = input.indexOf("\n"); index !== -1; index = input.indexOf("\n", start)) {
      const line = input.slice(start, index).trim();
      if (line.length > 0) out.push({ data: line });
      start = index + 1;
    }
    this.buffer = input.slice(start);
    if (this.buffer.length > this.maxLineChars) {
      throw new GatewayError("upstream_protocol", "The upstream sent an over-long stream line.", {
        reason: "ndjson_line_too_long",
      });
    }
    if (final) {
      const line = this.buffer.trim();
      if (line.length > 0) out.push({ data: line });
      this.buffer = "";
    }
    return out;
  }
}
