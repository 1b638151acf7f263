import type { FinishReason } from "../../core/types/chat.js";

/** OpenAI finish reasons to ours; anything unknown is a normal stop and keeps its raw name alongside. */
export function mapOpenAIFinishReason(reason: string): FinishReason {
  switch (reason) {
    case "stop":
      return "stop";
    case "length":
      return "length";
    case "tool_calls":
    case "function_call":
      return "tool_calls";
    case "content_filter":
      return "content_filter";
    default:
      return "stop";
  }
}

export function toOpenAIFinishReason(reason: FinishReason): string {
  return reason === "error" ? "stop" : reason;
}
