import type { GatewayError } from "../../core/errors/gateway-error.js";
import type {
  ChatEvent,
  FinishReason,
  ProviderOptions,
  ReasoningPart,
  Usage,
} from "../../core/types/chat.js";
import { renderOpenAIError } from "../openai-error.js";
import { newItemId } from "./response-ids.js";
import {
  type FunctionCallOutputItem,
  type MessageOutputItem,
  type OutputItem,
  type ResponseObject,
  reasoningItem,
  statusOf,
  toResponsesUsage,
} from "./to-responses-response.js";

interface OpenMessage {
  item: MessageOutputItem;
  outputIndex: number;
  /** The content part being written, and its index in `item.content`. */
  part: { kind: "output_text" | "refusal"; index: number; text: string } | undefined;
}

interface OpenReasoning {
  id: string;
  outputIndex: number;
  parts: ReasoningPart[];
  summary: string;
  summaryOpen: boolean;
  /** Provider data of tool calls made while this item is open (Gemini thought signatures), by call id. */
  toolCalls: Map<string, ProviderOptions>;
}

interface OpenCall {
  item: FunctionCallOutputItem;
  outputIndex: number;
}

/**
 * The canonical event stream as OpenAI Responses SSE (`event: <type>` + `data: <json>`, no `[DONE]`), in the
 * order of recorded traffic (test/fixtures/conformance/openai/responses-stream-*.sse): `response.created`,
 * `response.in_progress`, then per output item `output_item.added` → its parts and deltas → their `.done` events →
 * `output_item.done`, then `response.completed` (or `response.incomplete`) carrying the usage. `sequence_number`
 * starts at 0 and grows by one on every event; `output_index` counts reasoning items too; `content_index` counts the
 * parts of one message. One writer per stream; it also keeps the final response for the store.
 */
export class ResponsesEventWriter {
  private sequence = 0;
  private readonly output: OutputItem[] = [];
  private message: OpenMessage | undefined;
  private reasoning: OpenReasoning | undefined;
  private readonly calls = new Map<number, OpenCall>();
  private finishReason: FinishReason | undefined;
  private final: ResponseObject | undefined;

  constructor(private readonly skeleton: ResponseObject) {}

  /** `response.created` and `response.in_progress`. */
  start(): string {
    const response = { ...this.skeleton, output: [] };
    return this.emit("response.created", { response }) + this.emit("response.in_progress", { response });
  }

  /** One batch of canonical events → the SSE text for it (possibly empty). */
  write(batch: readonly ChatEvent[]): string {
    let out = "";
    for (const event of batch) {
      switch (event.type) {
        case "reasoning-delta":
          if (event.choice === 0) out += this.onReasoning(event);
          break;
        case "text-delta":
          if (event.choice === 0 && event.text.length > 0) out += this.onText("output_text", event.text);
          break;
        case "refusal-delta":
          if (event.choice === 0 && event.text.length > 0) out += this.onText("refusal", event.text);
          break;
        case "tool-call-start":
          if (event.choice === 0)
            out += this.onToolCallStart(event.index, event.id, event.name, event.providerOptions);
          break;
        case "tool-call-delta": {
          const call = this.calls.get(event.index);
          if (event.choice === 0 && call !== undefined && event.argumentsDelta.length > 0) {
            call.item.arguments += event.argumentsDelta;
            out += this.emit("response.function_call_arguments.delta", {
              item_id: call.item.id,
              output_index: call.outputIndex,
              delta: event.argumentsDelta,
            });
          }
          break;
        }
        case "tool-call-end":
          if (event.choice === 0) out += this.closeCall(event.index);
          break;
        case "finish":
          if (event.choice === 0) this.finishReason = event.reason;
          break;
        case "usage":
          out += this.complete(event.usage);
          break;
        case "response-start":
        case "logprobs":
          break;
      }
    }
    return out;
  }

  /** An error after the stream was committed: an `error` event, then `response.failed`. */
  fail(error: GatewayError): string {
    let out = this.closeAll("incomplete");
    const rendered = renderOpenAIError(error).body.error;
    const code = rendered.code ?? rendered.type;
    // Recorded traffic nests the fields under `error` (errors/openai-responses-stream-error.chunks.jsonl) while the
    // spec's ResponseErrorEvent has them flat: send both, so either reader finds them.
    out += this.emit("error", {
      code,
      message: rendered.message,
      param: rendered.param,
      error: { type: rendered.type, code, message: rendered.message, param: rendered.param },
    });
    // `response.error.code` is a closed enum in the spec: rate limits keep their name, everything else is a
    // server_error there (the `error` event above carries the gateway's own code).
    const rateLimited = error.kind === "rate_limited" || error.kind === "upstream_rate_limited";
    this.final = {
      ...this.skeleton,
      status: "failed",
      error: { code: rateLimited ? "rate_limit_exceeded" : "server_error", message: rendered.message },
      output: [...this.output],
    };
    out += this.emit("response.failed", { response: this.final });
    return out;
  }

  /** The response as last sent (completed, incomplete or failed); undefined while the stream runs. */
  result(): ResponseObject | undefined {
    return this.final;
  }

  private emit(type: string, fields: Record<string, unknown>): string {
    const data = JSON.stringify({ type, sequence_number: this.sequence++, ...fields });
    return `event: ${type}\ndata: ${data}\n\n`;
  }

  private onReasoning(event: Extract<ChatEvent, { type: "reasoning-delta" }>): string {
    let out = "";
    if (this.reasoning === undefined) {
      out += this.closeMessage("completed");
      const id = newItemId("rs");
      this.reasoning = {
        id,
        outputIndex: this.output.length,
        parts: [],
        summary: "",
        summaryOpen: false,
        toolCalls: new Map(),
      };
      const item = reasoningItem(id, []);
      this.output.push(item);
      out += this.emit("response.output_item.added", { output_index: this.reasoning.outputIndex, item });
    }
    const reasoning = this.reasoning;
    const last = reasoning.parts[reasoning.parts.length - 1];
    if (event.redactedData !== undefined) reasoning.parts.push({ redactedData: event.redactedData });
    if (event.text !== undefined && event.text.length > 0) {
      // A new thinking block starts after the previous one was signed.
      if (last === undefined || last.signature !== undefined || last.redactedData !== undefined)
        reasoning.parts.push({ text: event.text });
      else last.text = (last.text ?? "") + event.text;
      if (!reasoning.summaryOpen) {
        reasoning.summaryOpen = true;
        out += this.emit("response.reasoning_summary_part.added", {
          item_id: reasoning.id,
          output_index: reasoning.outputIndex,
          summary_index: 0,
          part: { type: "summary_text", text: "" },
        });
      }
      // Separate thinking blocks in the one summary part as the unary item joins them.
      const delta =
        reasoning.summary.length > 0 && (last === undefined || last.signature !== undefined)
          ? `\n\n${event.text}`
          : event.text;
      reasoning.summary += delta;
      out += this.emit("response.reasoning_summary_text.delta", {
        item_id: reasoning.id,
        output_index: reasoning.outputIndex,
        summary_index: 0,
        delta,
      });
    }
    if (event.signature !== undefined) {
      const target = reasoning.parts[reasoning.parts.length - 1];
      if (target === undefined || target.signature !== undefined)
        reasoning.parts.push({ signature: event.signature });
      else target.signature = event.signature;
    }
    return out;
  }

  private closeReasoning(): string {
    const reasoning = this.reasoning;
    if (reasoning === undefined) return "";
    this.reasoning = undefined;
    let out = "";
    if (reasoning.summaryOpen) {
      const common = { item_id: reasoning.id, output_index: reasoning.outputIndex, summary_index: 0 };
      out += this.emit("response.reasoning_summary_text.done", { ...common, text: reasoning.summary });
      out += this.emit("response.reasoning_summary_part.done", {
        ...common,
        part: { type: "summary_text", text: reasoning.summary },
      });
    }
    const item = reasoningItem(reasoning.id, reasoning.parts, reasoning.toolCalls);
    if (reasoning.summary.length > 0) item.summary = [{ type: "summary_text", text: reasoning.summary }];
    this.output[reasoning.outputIndex] = item;
    out += this.emit("response.output_item.done", { output_index: reasoning.outputIndex, item });
    return out;
  }

  private onText(kind: "output_text" | "refusal", text: string): string {
    let out = this.closeReasoning();
    if (this.message === undefined) {
      const item: MessageOutputItem = {
        id: newItemId("msg"),
        type: "message",
        status: "in_progress",
        role: "assistant",
        content: [],
      };
      this.message = { item, outputIndex: this.output.length, part: undefined };
      this.output.push(item);
      out += this.emit("response.output_item.added", { output_index: this.message.outputIndex, item });
    }
    const message = this.message;
    if (message.part?.kind !== kind) {
      out += this.closePart();
      const index = message.item.content.length;
      message.part = { kind, index, text: "" };
      const part =
        kind === "output_text"
          ? { type: "output_text" as const, text: "", annotations: [], logprobs: [] }
          : { type: "refusal" as const, refusal: "" };
      message.item.content.push(part);
      out += this.emit("response.content_part.added", {
        item_id: message.item.id,
        output_index: message.outputIndex,
        content_index: index,
        part,
      });
    }
    const part = message.part as NonNullable<OpenMessage["part"]>;
    part.text += text;
    const common = { item_id: message.item.id, output_index: message.outputIndex, content_index: part.index };
    if (kind === "output_text")
      out += this.emit("response.output_text.delta", { ...common, delta: text, logprobs: [] });
    else out += this.emit("response.refusal.delta", { ...common, delta: text });
    return out;
  }

  private closePart(): string {
    const message = this.message;
    const part = message?.part;
    if (message === undefined || part === undefined) return "";
    message.part = undefined;
    const common = { item_id: message.item.id, output_index: message.outputIndex, content_index: part.index };
    if (part.kind === "output_text") {
      const done = { type: "output_text" as const, text: part.text, annotations: [], logprobs: [] };
      message.item.content[part.index] = done;
      return (
        this.emit("response.output_text.done", { ...common, text: part.text, logprobs: [] }) +
        this.emit("response.content_part.done", { ...common, part: done })
      );
    }
    const done = { type: "refusal" as const, refusal: part.text };
    message.item.content[part.index] = done;
    return (
      this.emit("response.refusal.done", { ...common, refusal: part.text }) +
      this.emit("response.content_part.done", { ...common, part: done })
    );
  }

  private closeMessage(status: "completed" | "incomplete"): string {
    const message = this.message;
    if (message === undefined) return "";
    const out = this.closePart();
    this.message = undefined;
    message.item.status = status;
    return (
      out + this.emit("response.output_item.done", { output_index: message.outputIndex, item: message.item })
    );
  }

  private onToolCallStart(
    index: number,
    id: string,
    name: string,
    options: ProviderOptions | undefined,
  ): string {
    if (this.calls.has(index)) return "";
    let out = "";
    if (options !== undefined) {
      // The call's provider data rides in the reasoning state: the open reasoning item's, or one of its own.
      if (this.reasoning === undefined) out += this.onReasoning({ type: "reasoning-delta", choice: 0 });
      this.reasoning?.toolCalls.set(id, options);
    }
    out += this.closeReasoning() + this.closeMessage("completed");
    const item: FunctionCallOutputItem = {
      id: newItemId("fc"),
      type: "function_call",
      status: "in_progress",
      call_id: id,
      name,
      arguments: "",
    };
    const call = { item, outputIndex: this.output.length };
    this.calls.set(index, call);
    this.output.push(item);
    out += this.emit("response.output_item.added", { output_index: call.outputIndex, item });
    return out;
  }

  private closeCall(index: number): string {
    const call = this.calls.get(index);
    if (call === undefined || call.item.status !== "in_progress") return "";
    if (call.item.arguments.length === 0) call.item.arguments = "{}";
    call.item.status = "completed";
    // The recorded `.done` event has no `name` (the spec requires it): sending it satisfies both.
    return (
      this.emit("response.function_call_arguments.done", {
        item_id: call.item.id,
        output_index: call.outputIndex,
        name: call.item.name,
        arguments: call.item.arguments,
      }) + this.emit("response.output_item.done", { output_index: call.outputIndex, item: call.item })
    );
  }

  private closeAll(messageStatus: "completed" | "incomplete"): string {
    let out = this.closeReasoning() + this.closeMessage(messageStatus);
    for (const index of [...this.calls.keys()].sort((a, b) => a - b)) out += this.closeCall(index);
    return out;
  }

  private complete(usage: Usage): string {
    const { status, incomplete } = statusOf(this.finishReason);
    let out = this.closeAll(status === "incomplete" ? "incomplete" : "completed");
    this.final = {
      ...this.skeleton,
      status,
      incomplete_details: incomplete,
      output: [...this.output],
      usage: toResponsesUsage(usage),
    };
    out += this.emit(status === "incomplete" ? "response.incomplete" : "response.completed", {
      response: this.final,
    });
    return out;
  }
}
