import type { ChatResponse, FinishReason, ReasoningPart, Usage } from "../../core/types/chat.js";

/**
 * Canonical results → the Messages API's response shapes (SDK `Message`, `Usage`, `StopReason`). Pure functions,
 * shared by the unary answer and the SSE writer.
 */

export type AnthropicStopReason =
  | "end_turn"
  | "max_tokens"
  | "stop_sequence"
  | "tool_use"
  | "pause_turn"
  | "refusal"
  | "model_context_window_exceeded";

/**
 * Our finish reason back to Anthropic's stop reason. The provider's own reason wins where it is one of
 * Anthropic's (an Anthropic upstream's `stop_sequence` or `pause_turn` survives the trip); otherwise
 * stop→end_turn, length→max_tokens, tool_calls→tool_use, content_filter→refusal.
 */
export function toStopReason(reason: FinishReason | null, providerReason?: string): AnthropicStopReason {
  switch (providerReason) {
    case "end_turn":
    case "max_tokens":
    case "stop_sequence":
    case "tool_use":
    case "pause_turn":
    case "refusal":
    case "model_context_window_exceeded":
      return providerReason;
  }
  switch (reason) {
    case "length":
      return "max_tokens";
    case "tool_calls":
      return "tool_use";
    case "content_filter":
      return "refusal";
    case "stop":
    case "error":
    case null:
      return "end_turn";
  }
}

export interface AnthropicUsageOut {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/**
 * Canonical usage (prompt tokens include cached ones, as OpenAI counts) → Anthropic's, where `input_tokens`
 * excludes cache reads and writes (the inverse of providers/anthropic/map-anthropic-usage.ts).
 */
export function toAnthropicUsage(usage: Usage | undefined): AnthropicUsageOut {
  if (usage === undefined) {
    return { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  }
  const read = usage.cachedPromptTokens ?? 0;
  const write = usage.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.promptTokens - read - write),
    output_tokens: usage.completionTokens,
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
  };
}

/**
 * `msg_…` ids, always derived from the gateway's request id (also when Anthropic serves the request and has its
 * own): the ledger stores this id, so `/spend/logs?request_id=msg_…` finds the usage of the message the client saw,
 * whichever provider answered. The upstream's id is not shown.
 */
export function messageId(requestId: string): string {
  return `msg_${requestId.replace(/[^A-Za-z0-9]/g, "")}`;
}

/**
 * Tool ids that are not Anthropic's own are prefixed so clients that check the shape accept them; the client
 * sends the prefixed id back in both the tool_use and the tool_result, so the pair still matches upstream.
 */
export function toolUseId(id: string): string {
  return id.startsWith("toolu_") || id.length === 0 ? id : `toolu_${id}`;
}

/** Tool arguments (JSON text) → the `input` object; text that is not an object is kept under `_raw_arguments`. */
export function parseToolInput(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // A model that produced invalid JSON: the caller sees it as the raw text under a known key.
  }
  return { _raw_arguments: text };
}

export function thinkingBlock(part: ReasoningPart): Record<string, unknown> {
  if (part.redactedData !== undefined) return { type: "redacted_thinking", data: part.redactedData };
  return { type: "thinking", thinking: part.text ?? "", signature: part.signature ?? "" };
}

/** A unary ChatResponse → SDK `Message`: thinking blocks first, then the text, then the tool calls. */
export function toAnthropicMessage(response: ChatResponse, requestId: string): Record<string, unknown> {
  const choice = response.choices[0];
  const content: Record<string, unknown>[] = [];
  for (const part of choice?.message.reasoning ?? []) content.push(thinkingBlock(part));
  const text = choice?.message.content;
  if (typeof text === "string" && text.length > 0) content.push({ type: "text", text });
  const refusal = choice?.message.refusal;
  if (typeof refusal === "string" && refusal.length > 0) content.push({ type: "text", text: refusal });
  for (const call of choice?.message.toolCalls ?? []) {
    content.push({
      type: "tool_use",
      id: toolUseId(call.id),
      name: call.name,
      input: parseToolInput(call.arguments),
    });
  }
  return {
    id: messageId(requestId),
    type: "message",
    role: "assistant",
    model: response.model,
    content,
    stop_reason: toStopReason(choice?.finishReason ?? null, choice?.providerFinishReason),
    // Only an upstream that says which sequence matched (Anthropic) fills it; others do not tell.
    stop_sequence: choice?.stopSequence ?? null,
    usage: toAnthropicUsage(response.usage),
  };
}
