import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatEvent } from "../../core/types/chat.js";
import type { ProviderCallContext, StreamDecoder, UpstreamMessage } from "../../core/types/provider.js";
import { parseUpstreamJson } from "../shared/upstream-json.js";
import { bedrockStreamEventSchemas, JSON_RESPONSE_TOOL } from "./bedrock-api.js";
import { bedrockStreamException } from "./bedrock-error.js";
import { mapBedrockFinishReason } from "./map-bedrock-finish-reason.js";
import { toUsage } from "./parse-bedrock-response.js";

interface OpenTool {
  index: number;
  sawArguments: boolean;
}

/**
 * ConverseStream events → ChatEvents. Text and reasoning blocks have no `contentBlockStart` (only toolUse blocks
 * do), so a delta for an unknown block index is simply text or reasoning. Tool calls are numbered in arrival
 * order. `messageStop` gives the finish; `metadata` with usage comes *after* it and is the last event, so the
 * stream is only done then. Exception messages in the 200 stream throw a GatewayError of the matching kind.
 */
export class BedrockStreamDecoder implements StreamDecoder {
  private started = false;
  private finished = false;
  private usageSent = false;
  private nextToolIndex = 0;
  private readonly openTools = new Map<number, OpenTool>();
  /** Blocks of the emulated JSON-mode tool: their input is streamed as text. */
  private readonly jsonBlocks = new Set<number>();
  private sawJsonBlock = false;
  done = false;

  constructor(private readonly context: ProviderCallContext) {}

  decode(message: UpstreamMessage): ChatEvent[] {
    const messageType = message.headers?.[":message-type"];
    if (messageType === "exception") throw bedrockStreamException(message.event, message.data);
    if (messageType === "error") {
      throw bedrockStreamException(
        message.headers?.[":error-code"],
        JSON.stringify({
          message: message.headers?.[":error-message"] ?? "",
        }),
      );
    }
    const events: ChatEvent[] = [];
    if (!this.started) {
      this.started = true;
      events.push({
        type: "response-start",
        id: `chatcmpl-${this.context.requestId}`,
        model: this.context.deployment.model,
        created: Math.floor(Date.now() / 1000),
      });
    }
    const type = message.event;
    const json = parseUpstreamJson(message.data, "bedrock");
    switch (type) {
      case "messageStart":
        break;
      case "contentBlockStart": {
        const event = this.parse("contentBlockStart", json);
        const toolUse = event.start?.toolUse;
        if (toolUse !== undefined && toolUse !== null && toolUse.name === JSON_RESPONSE_TOOL) {
          this.jsonBlocks.add(event.contentBlockIndex);
          this.sawJsonBlock = true;
        } else if (toolUse !== undefined && toolUse !== null) {
          const index = this.nextToolIndex++;
          this.openTools.set(event.contentBlockIndex, { index, sawArguments: false });
          events.push({
            type: "tool-call-start",
            choice: 0,
            index,
            id: toolUse.toolUseId,
            name: toolUse.name,
          });
        }
        break;
      }
      case "contentBlockDelta": {
        const event = this.parse("contentBlockDelta", json);
        const delta = event.delta;
        if (delta.text !== undefined && delta.text !== null && delta.text !== "") {
          events.push({ type: "text-delta", choice: 0, text: delta.text });
        }
        const input = delta.toolUse?.input;
        if (
          input !== undefined &&
          input !== null &&
          input !== "" &&
          this.jsonBlocks.has(event.contentBlockIndex)
        ) {
          events.push({ type: "text-delta", choice: 0, text: input });
        } else if (input !== undefined && input !== null && input !== "") {
          const tool = this.openTools.get(event.contentBlockIndex);
          if (tool !== undefined) {
            tool.sawArguments = true;
            events.push({ type: "tool-call-delta", choice: 0, index: tool.index, argumentsDelta: input });
          }
        }
        const reasoning = delta.reasoningContent;
        if (reasoning !== undefined && reasoning !== null) {
          if (reasoning.text) events.push({ type: "reasoning-delta", choice: 0, text: reasoning.text });
          if (reasoning.signature)
            events.push({ type: "reasoning-delta", choice: 0, signature: reasoning.signature });
          if (reasoning.redactedContent) {
            events.push({ type: "reasoning-delta", choice: 0, redactedData: reasoning.redactedContent });
          }
        }
        break;
      }
      case "contentBlockStop": {
        const event = this.parse("contentBlockStop", json);
        this.closeTool(event.contentBlockIndex, events);
        break;
      }
      case "messageStop": {
        const event = this.parse("messageStop", json);
        for (const blockIndex of [...this.openTools.keys()]) this.closeTool(blockIndex, events);
        const stopReason = event.stopReason ?? undefined;
        this.finished = true;
        events.push({
          type: "finish",
          choice: 0,
          reason:
            this.sawJsonBlock && stopReason === "tool_use" ? "stop" : mapBedrockFinishReason(stopReason),
          ...(stopReason === undefined ? {} : { providerReason: stopReason }),
        });
        break;
      }
      case "metadata": {
        const event = this.parse("metadata", json);
        if (event.usage !== undefined && event.usage !== null && !this.usageSent) {
          this.usageSent = true;
          events.push({ type: "usage", usage: toUsage(event.usage) });
        }
        if (this.finished) this.done = true;
        break;
      }
      default:
        // Unknown event types (new Bedrock features) are ignored, as the tolerant-output rule asks.
        break;
    }
    return events;
  }

  end(): ChatEvent[] {
    const events: ChatEvent[] = [];
    for (const blockIndex of [...this.openTools.keys()]) this.closeTool(blockIndex, events);
    if (!this.finished && this.started) {
      throw new GatewayError("upstream_protocol", "The Bedrock stream ended before messageStop.", {
        provider: "bedrock",
        reason: "stream_truncated",
      });
    }
    return events;
  }

  private closeTool(blockIndex: number, events: ChatEvent[]): void {
    const tool = this.openTools.get(blockIndex);
    if (tool === undefined) return;
    this.openTools.delete(blockIndex);
    if (!tool.sawArguments)
      events.push({ type: "tool-call-delta", choice: 0, index: tool.index, argumentsDelta: "{}" });
    events.push({ type: "tool-call-end", choice: 0, index: tool.index });
  }

  private parse<K extends keyof typeof bedrockStreamEventSchemas>(type: K, json: unknown) {
    const result = bedrockStreamEventSchemas[type].safeParse(json);
    if (!result.success) {
      throw new GatewayError("upstream_protocol", `Bedrock sent a ${type} event the gateway cannot read.`, {
        provider: "bedrock",
        reason: "invalid_stream_event",
      });
    }
    return result.data as ReturnType<(typeof bedrockStreamEventSchemas)[K]["parse"]>;
  }
}
