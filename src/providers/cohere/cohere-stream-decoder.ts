import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatEvent } from "../../core/types/chat.js";
import type { ProviderCallContext, StreamDecoder, UpstreamMessage } from "../../core/types/provider.js";
import { parseUpstreamJson } from "../shared/upstream-json.js";
import { cohereContentDeltaSchema, cohereStreamEventSchema, cohereToolCallSchema } from "./cohere-api.js";
import { cohereStreamError } from "./cohere-error.js";
import { mapCohereFinishReason } from "./map-cohere-finish-reason.js";
import { toCohereUsage } from "./parse-cohere-response.js";

/**
 * Cohere v2 stream events → ChatEvents. `content-delta` carries text or thinking; `tool-plan-delta` is the
 * model's visible text before tool calls (emitted as text, and sent back as `tool_plan`); tool calls come as
 * start (id, name) / delta (argument fragments) / end, numbered by Cohere per call. `message-end` has the finish
 * reason and usage together: finish first, usage last. No `[DONE]`: message-end ends it.
 */
export class CohereStreamDecoder implements StreamDecoder {
  private started = false;
  private readonly tools = new Map<number, { index: number; sawArguments: boolean }>();
  private nextToolIndex = 0;
  done = false;

  constructor(private readonly context: ProviderCallContext) {}

  decode(message: UpstreamMessage): ChatEvent[] {
    const parsed = cohereStreamEventSchema.safeParse(parseUpstreamJson(message.data, "cohere"));
    if (!parsed.success) {
      throw new GatewayError("upstream_protocol", "Cohere sent a stream event the gateway cannot read.", {
        provider: "cohere",
        reason: "invalid_stream_event",
      });
    }
    const event = parsed.data;
    const events: ChatEvent[] = [];
    if (!this.started) {
      this.started = true;
      events.push({
        type: "response-start",
        id: event.id ?? `chatcmpl-${this.context.requestId}`,
        model: this.context.deployment.model,
        created: Math.floor(Date.now() / 1000),
      });
    }
    const delta = event.delta;
    switch (event.type) {
      case "content-delta": {
        const content = parseOptional(cohereContentDeltaSchema, delta?.message?.content);
        if (content?.text) events.push({ type: "text-delta", choice: 0, text: content.text });
        if (content?.thinking) events.push({ type: "reasoning-delta", choice: 0, text: content.thinking });
        break;
      }
      case "tool-plan-delta": {
        const plan = delta?.message?.tool_plan;
        if (typeof plan === "string" && plan !== "")
          events.push({ type: "text-delta", choice: 0, text: plan });
        break;
      }
      case "tool-call-start": {
        const call = parseOptional(cohereToolCallSchema, delta?.message?.tool_calls);
        const index = this.nextToolIndex++;
        this.tools.set(event.index ?? index, { index, sawArguments: false });
        events.push({
          type: "tool-call-start",
          choice: 0,
          index,
          id: call?.id ?? `call_${this.context.requestId}_${index}`,
          name: call?.function?.name ?? "",
        });
        const first = call?.function?.arguments;
        if (first) {
          (this.tools.get(event.index ?? index) as { sawArguments: boolean }).sawArguments = true;
          events.push({ type: "tool-call-delta", choice: 0, index, argumentsDelta: first });
        }
        break;
      }
      case "tool-call-delta": {
        const tool = this.tools.get(event.index ?? this.nextToolIndex - 1);
        const fragment = parseOptional(cohereToolCallSchema, delta?.message?.tool_calls)?.function?.arguments;
        if (tool !== undefined && fragment) {
          tool.sawArguments = true;
          events.push({ type: "tool-call-delta", choice: 0, index: tool.index, argumentsDelta: fragment });
        }
        break;
      }
      case "tool-call-end":
        this.closeTool(event.index ?? this.nextToolIndex - 1, events);
        break;
      case "message-end": {
        for (const key of [...this.tools.keys()]) this.closeTool(key, events);
        const reason = delta?.finish_reason ?? undefined;
        if (reason === "ERROR" && delta?.error) throw cohereStreamError(delta.error);
        events.push({
          type: "finish",
          choice: 0,
          reason: mapCohereFinishReason(reason),
          ...(reason === undefined ? {} : { providerReason: reason }),
        });
        if (delta?.usage) events.push({ type: "usage", usage: toCohereUsage(delta.usage) });
        this.done = true;
        break;
      }
      case "error":
        throw cohereStreamError(event.message ?? delta?.error ?? "stream error");
      default:
        // message-start, content-start/end, citation-start/end, debug: nothing to emit.
        break;
    }
    return events;
  }

  end(): ChatEvent[] {
    const events: ChatEvent[] = [];
    for (const key of [...this.tools.keys()]) this.closeTool(key, events);
    if (this.started && !this.done) {
      throw new GatewayError("upstream_protocol", "The Cohere stream ended before message-end.", {
        provider: "cohere",
        reason: "stream_truncated",
      });
    }
    return events;
  }

  private closeTool(key: number, events: ChatEvent[]): void {
    const tool = this.tools.get(key);
    if (tool === undefined) return;
    this.tools.delete(key);
    if (!tool.sawArguments)
      events.push({ type: "tool-call-delta", choice: 0, index: tool.index, argumentsDelta: "{}" });
    events.push({ type: "tool-call-end", choice: 0, index: tool.index });
  }
}

/** A nested delta object, or undefined when absent or of another shape (tolerant output). */
function parseOptional<T>(
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
  value: unknown,
): T | undefined {
  if (value === undefined || value === null) return undefined;
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}
