import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatEvent } from "../../core/types/chat.js";
import type { ProviderCallContext, StreamDecoder, UpstreamMessage } from "../../core/types/provider.js";
import { parseUpstreamJson } from "../shared/upstream-json.js";
import { mapOllamaFinishReason } from "./map-ollama-finish-reason.js";
import {
  ollamaArguments,
  parseOllamaChunk,
  synthesiseToolCallId,
  toOllamaUsage,
} from "./parse-ollama-response.js";

/**
 * Ollama NDJSON lines → ChatEvents. Tool calls arrive whole (no id, no index, object arguments), so each becomes
 * start + one delta + end in the same batch, with a synthesised id. The `done: true` line gives finish (tool_calls
 * when any call was seen, since Ollama still says "stop") and usage. An `{"error": …}` line throws.
 */
export class OllamaStreamDecoder implements StreamDecoder {
  private started = false;
  private nextToolIndex = 0;
  done = false;

  constructor(private readonly context: ProviderCallContext) {}

  decode(message: UpstreamMessage): ChatEvent[] {
    const chunk = parseOllamaChunk(parseUpstreamJson(message.data, this.context.deployment.provider));
    const events: ChatEvent[] = [];
    if (!this.started) {
      this.started = true;
      const created = chunk.created_at ? Math.floor(Date.parse(chunk.created_at) / 1000) : Number.NaN;
      events.push({
        type: "response-start",
        id: `chatcmpl-${this.context.requestId}`,
        model: chunk.model ?? this.context.deployment.model,
        created: Number.isFinite(created) ? created : Math.floor(Date.now() / 1000),
      });
    }
    const thinking = chunk.message?.thinking;
    if (thinking) events.push({ type: "reasoning-delta", choice: 0, text: thinking });
    const content = chunk.message?.content;
    if (content) events.push({ type: "text-delta", choice: 0, text: content });
    for (const call of chunk.message?.tool_calls ?? []) {
      const index = this.nextToolIndex++;
      events.push({
        type: "tool-call-start",
        choice: 0,
        index,
        id: call.id || synthesiseToolCallId(this.context.requestId, index),
        name: call.function.name,
      });
      events.push({
        type: "tool-call-delta",
        choice: 0,
        index,
        argumentsDelta: ollamaArguments(call.function.arguments),
      });
      events.push({ type: "tool-call-end", choice: 0, index });
    }
    if (chunk.done === true) {
      const reason = chunk.done_reason ?? undefined;
      events.push({
        type: "finish",
        choice: 0,
        reason: mapOllamaFinishReason(reason, this.nextToolIndex > 0),
        ...(reason === undefined ? {} : { providerReason: reason }),
      });
      events.push({ type: "usage", usage: toOllamaUsage(chunk) });
      this.done = true;
    }
    return events;
  }

  end(): ChatEvent[] {
    if (this.started && !this.done) {
      throw new GatewayError("upstream_protocol", "The Ollama stream ended before its done line.", {
        provider: "ollama",
        reason: "stream_truncated",
      });
    }
    return [];
  }
}
