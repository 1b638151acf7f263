import type { ChatEvent, FinishReason } from "../../core/types/chat.js";
import { messageId, toAnthropicUsage, toolUseId, toStopReason } from "./to-anthropic-messages.js";

type OpenBlock =
  | { kind: "text"; index: number }
  | { kind: "thinking"; index: number }
  | { kind: "tool"; index: number; tool: number };

function event(name: string, data: Record<string, unknown>): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Canonical event batches → the Messages stream (docs.anthropic.com/en/api/messages-streaming): `message_start`,
 * a `ping`, then per block `content_block_start` / `content_block_delta`* / `content_block_stop`, then
 * `message_delta` (stop reason and the final, cumulative usage) and `message_stop`. The canonical stream has no
 * block boundaries, so this rebuilds them: a change of kind (text, thinking, a tool call) closes the open block;
 * a thinking signature is its block's last delta; a redacted thinking block opens and closes at once. Only the
 * first choice is rendered (Messages has no `n`). One batch → one write, as for chat.
 */
export class AnthropicSseWriter {
  private started = false;
  private open: OpenBlock | undefined;
  private nextIndex = 0;
  private readonly toolBlocks = new Map<number, number>();
  private finish:
    | { reason: FinishReason; provider?: string | undefined; stopSequence?: string | undefined }
    | undefined;
  private ended = false;

  constructor(
    private readonly requestId: string,
    private readonly fallbackModel: string,
  ) {}

  /** Renders one batch; "" when it has nothing for the caller. */
  write(batch: readonly ChatEvent[]): string {
    let out = "";
    for (const item of batch) {
      if (item.type === "response-start") {
        out += this.start(item.model);
        continue;
      }
      if (!this.started) out += this.start("");
      if ("choice" in item && item.choice !== 0) continue;
      switch (item.type) {
        case "text-delta":
        case "refusal-delta":
          if (item.text === "") break;
          out += this.ensure("text");
          out += this.delta({ type: "text_delta", text: item.text });
          break;
        case "reasoning-delta":
          if (item.redactedData !== undefined) {
            out += this.close();
            const index = this.nextIndex++;
            out += event("content_block_start", {
              type: "content_block_start",
              index,
              content_block: { type: "redacted_thinking", data: item.redactedData },
            });
            out += event("content_block_stop", { type: "content_block_stop", index });
            break;
          }
          if (item.text !== undefined && item.text !== "") {
            out += this.ensure("thinking");
            out += this.delta({ type: "thinking_delta", thinking: item.text });
          }
          if (item.signature !== undefined) {
            out += this.ensure("thinking");
            out += this.delta({ type: "signature_delta", signature: item.signature });
            out += this.close();
          }
          break;
        case "tool-call-start": {
          out += this.close();
          const index = this.nextIndex++;
          this.open = { kind: "tool", index, tool: item.index };
          this.toolBlocks.set(item.index, index);
          out += event("content_block_start", {
            type: "content_block_start",
            index,
            content_block: { type: "tool_use", id: toolUseId(item.id), name: item.name, input: {} },
          });
          break;
        }
        case "tool-call-delta": {
          if (item.argumentsDelta === "") break;
          const index = this.toolBlocks.get(item.index);
          if (index === undefined) break; // a fragment for a call that never started: nothing to attach it to
          out += event("content_block_delta", {
            type: "content_block_delta",
            index,
            delta: { type: "input_json_delta", partial_json: item.argumentsDelta },
          });
          break;
        }
        case "tool-call-end":
          if (this.open?.kind === "tool" && this.open.tool === item.index) out += this.close();
          break;
        case "finish":
          this.finish = {
            reason: item.reason,
            provider: item.providerReason,
            stopSequence: item.stopSequence,
          };
          out += this.close();
          break;
        case "logprobs":
          break;
        case "usage":
          out += this.close();
          out += event("message_delta", {
            type: "message_delta",
            delta: {
              stop_reason: toStopReason(this.finish?.reason ?? "stop", this.finish?.provider),
              stop_sequence: this.finish?.stopSequence ?? null,
            },
            usage: toAnthropicUsage(item.usage),
          });
          out += event("message_stop", { type: "message_stop" });
          this.ended = true;
          break;
      }
    }
    return out;
  }

  /** Whether `message_stop` was written (the stream is complete). */
  get complete(): boolean {
    return this.ended;
  }

  private start(model: string): string {
    if (this.started) return "";
    this.started = true;
    // Input tokens are known at the end (the core sends usage last): message_delta carries them, as Anthropic's
    // own stream does when counts change after message_start.
    return (
      event("message_start", {
        type: "message_start",
        message: {
          id: messageId(this.requestId),
          type: "message",
          role: "assistant",
          model: model.length > 0 ? model : this.fallbackModel,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: toAnthropicUsage(undefined),
        },
      }) + event("ping", { type: "ping" })
    );
  }

  private ensure(kind: "text" | "thinking"): string {
    if (this.open?.kind === kind) return "";
    const out = this.close();
    const index = this.nextIndex++;
    this.open = { kind, index };
    const block =
      kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" };
    return out + event("content_block_start", { type: "content_block_start", index, content_block: block });
  }

  private delta(delta: Record<string, unknown>): string {
    return event("content_block_delta", { type: "content_block_delta", index: this.open?.index ?? 0, delta });
  }

  private close(): string {
    if (this.open === undefined) return "";
    const index = this.open.index;
    this.open = undefined;
    return event("content_block_stop", { type: "content_block_stop", index });
  }
}
