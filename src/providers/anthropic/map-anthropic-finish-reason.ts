import type { FinishReason } from "../../core/types/chat.js";

/**
 * Anthropic `stop_reason` → our finish reason (SDK `StopReason`). `pause_turn` (server-tool loop paused) is a
 * normal stop for the caller; the context-window stop is a length stop, as OpenAI reports it.
 */
export function mapAnthropicFinishReason(
  stopReason: string | null | undefined,
  jsonTool = false,
): FinishReason {
  switch (stopReason) {
    case "end_turn":
    case "stop_sequence":
    case "pause_turn":
      return "stop";
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      // The forced JSON tool is our emulation of structured output: the caller asked for content, not a call.
      return jsonTool ? "stop" : "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "stop";
  }
}
