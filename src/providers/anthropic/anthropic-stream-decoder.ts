import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatEvent } from "../../core/types/chat.js";
import type { StreamDecoder, UpstreamMessage } from "../../core/types/provider.js";
import { parseUpstreamJson } from "../shared/upstream-json.js";
import { type AnthropicUsage, anthropicStreamEventSchema } from "./anthropic-api.js";
import { ANTHROPIC_PROVIDER_ID, anthropicError } from "./anthropic-error.js";
import { ANTHROPIC_JSON_TOOL_NAME } from "./convert-to-anthropic-request.js";
import { mapAnthropicFinishReason } from "./map-anthropic-finish-reason.js";
import { mapAnthropicUsage, mergeAnthropicUsage } from "./map-anthropic-usage.js";

type OpenBlock =
  | { kind: "text" }
  | { kind: "tool"; index: number; argumentsSeen: boolean }
  | { kind: "json" }
  | { kind: "thinking"; signature?: string }
  | { kind: "other" };

/**
 * Decodes one Anthropic Messages stream. Tool calls get a running index of their own (the Anthropic block
 * index also counts text and thinking blocks); a call whose only fragment is `""` ends with arguments "{}";
 * a thinking block's signature is emitted when the block stops; `message_delta` carries the stop reason and
 * the final, cumulative usage, so finish and usage leave in its batch. An `error` event throws.
 */
export class AnthropicStreamDecoder implements StreamDecoder {
  private started = false;
  private finished = false;
  private usageSent = false;
  private stopped = false;
  private toolCount = 0;
  private jsonTool = false;
  private readonly blocks = new Map<number, OpenBlock>();
  private usage: AnthropicUsage = {};

  constructor(private readonly now: () => number = Date.now) {}

  get done(): boolean {
    return this.stopped;
  }

  decode(message: UpstreamMessage): ChatEvent[] {
    const raw = parseUpstreamJson(message.data, ANTHROPIC_PROVIDER_ID);
    const parsed = anthropicStreamEventSchema.safeParse(raw);
    if (!parsed.success) return []; // unknown event types are ignored (the API may add new ones)
    const event = parsed.data;
    const out: ChatEvent[] = [];
    switch (event.type) {
      case "message_start":
        this.started = true;
        this.usage = mergeAnthropicUsage(this.usage, event.message.usage);
        out.push({
          type: "response-start",
          id: event.message.id,
          model: event.message.model,
          created: Math.floor(this.now() / 1000),
        });
        break;
      case "content_block_start":
        this.blockStart(event.index, event.content_block, out);
        break;
      case "content_block_delta":
        this.blockDelta(event.index, event.delta, out);
        break;
      case "content_block_stop":
        this.blockStop(event.index, out);
        break;
      case "message_delta":
        this.usage = mergeAnthropicUsage(this.usage, event.usage);
        if (event.delta.stop_reason != null) {
          this.closeOpenBlocks(out);
          this.finish(event.delta.stop_reason, out, event.delta.stop_sequence ?? undefined);
          this.emitUsage(out);
        }
        break;
      case "message_stop":
        this.stopped = true;
        break;
      case "ping":
        break;
      case "error":
        throw anthropicError(event.error.type, event.error.message, 200);
    }
    return out;
  }

  end(): ChatEvent[] {
    const out: ChatEvent[] = [];
    if (!this.finished) {
      // No stop reason: the body ended early. Saying so beats a silent truncation the caller takes as complete.
      throw new GatewayError(
        "upstream_protocol",
        "The Anthropic stream ended before the message was complete.",
        {
          provider: ANTHROPIC_PROVIDER_ID,
          reason: this.started ? "truncated_stream" : "empty_stream",
        },
      );
    }
    this.emitUsage(out);
    return out;
  }

  private blockStart(
    index: number,
    block: { type: string; text?: string; id?: string; name?: string; thinking?: string; data?: string },
    out: ChatEvent[],
  ): void {
    switch (block.type) {
      case "text":
        this.blocks.set(index, { kind: "text" });
        if (block.text !== undefined && block.text !== "")
          out.push({ type: "text-delta", choice: 0, text: block.text });
        return;
      case "tool_use": {
        if (block.name === ANTHROPIC_JSON_TOOL_NAME) {
          this.jsonTool = true;
          this.blocks.set(index, { kind: "json" });
          return;
        }
        const toolIndex = this.toolCount++;
        this.blocks.set(index, { kind: "tool", index: toolIndex, argumentsSeen: false });
        out.push({
          type: "tool-call-start",
          choice: 0,
          index: toolIndex,
          id: block.id ?? "",
          name: block.name ?? "",
        });
        return;
      }
      case "thinking":
        this.blocks.set(index, { kind: "thinking" });
        if (block.thinking !== undefined && block.thinking !== "") {
          out.push({ type: "reasoning-delta", choice: 0, text: block.thinking });
        }
        return;
      case "redacted_thinking":
        this.blocks.set(index, { kind: "other" });
        if (block.data !== undefined)
          out.push({ type: "reasoning-delta", choice: 0, redactedData: block.data });
        return;
      default:
        this.blocks.set(index, { kind: "other" });
        return;
    }
  }

  private blockDelta(
    index: number,
    delta: { type: string; text?: string; partial_json?: string; thinking?: string; signature?: string },
    out: ChatEvent[],
  ): void {
    const block = this.blocks.get(index);
    switch (delta.type) {
      case "text_delta":
        if (delta.text !== undefined && delta.text !== "")
          out.push({ type: "text-delta", choice: 0, text: delta.text });
        return;
      case "input_json_delta": {
        const fragment = delta.partial_json ?? "";
        if (fragment === "") return;
        if (block?.kind === "json") {
          out.push({ type: "text-delta", choice: 0, text: fragment });
        } else if (block?.kind === "tool") {
          block.argumentsSeen = true;
          out.push({ type: "tool-call-delta", choice: 0, index: block.index, argumentsDelta: fragment });
        }
        return;
      }
      case "thinking_delta":
        if (delta.thinking !== undefined && delta.thinking !== "") {
          out.push({ type: "reasoning-delta", choice: 0, text: delta.thinking });
        }
        return;
      case "signature_delta":
        if (block?.kind === "thinking" && delta.signature !== undefined) {
          block.signature = (block.signature ?? "") + delta.signature;
        }
        return;
      default:
        return; // citations_delta and future delta types
    }
  }

  private blockStop(index: number, out: ChatEvent[]): void {
    const block = this.blocks.get(index);
    if (block === undefined) return;
    this.blocks.delete(index);
    this.closeBlock(block, out);
  }

  private closeBlock(block: OpenBlock, out: ChatEvent[]): void {
    if (block.kind === "tool") {
      if (!block.argumentsSeen)
        out.push({ type: "tool-call-delta", choice: 0, index: block.index, argumentsDelta: "{}" });
      out.push({ type: "tool-call-end", choice: 0, index: block.index });
    } else if (block.kind === "thinking" && block.signature !== undefined) {
      out.push({ type: "reasoning-delta", choice: 0, signature: block.signature });
    }
  }

  private closeOpenBlocks(out: ChatEvent[]): void {
    for (const block of this.blocks.values()) this.closeBlock(block, out);
    this.blocks.clear();
  }

  private finish(stopReason: string, out: ChatEvent[], stopSequence?: string): void {
    if (this.finished) return;
    this.finished = true;
    out.push({
      type: "finish",
      choice: 0,
      reason: mapAnthropicFinishReason(stopReason, this.jsonTool && this.toolCount === 0),
      providerReason: stopReason,
      ...(stopSequence !== undefined ? { stopSequence } : {}),
    });
  }

  private emitUsage(out: ChatEvent[]): void {
    if (this.usageSent) return;
    this.usageSent = true;
    out.push({ type: "usage", usage: mapAnthropicUsage(this.usage) });
  }
}
