import type { StreamFraming, UpstreamMessage } from "../../core/types/provider.js";
import { AwsEventStreamParser } from "./aws-event-stream.js";
import { NdjsonParser } from "./ndjson.js";
import { SseParser } from "./sse.js";

/** Splits a streaming body into upstream messages; incremental, fed read by read. */
export interface StreamFramer {
  push(chunk: Uint8Array): UpstreamMessage[];
  end(): UpstreamMessage[];
}

/** One framer per stream, chosen by the provider's declared framing. */
export function createFramer(framing: StreamFraming): StreamFramer {
  switch (framing) {
    case "sse":
      return new SseParser();
    case "ndjson":
      return new NdjsonParser();
    case "aws-event-stream":
      return new AwsEventStreamParser();
  }
}
