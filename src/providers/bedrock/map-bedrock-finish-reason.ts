import type { FinishReason } from "../../core/types/chat.js";

/**
 * Converse `stopReason` → our finish reason. Guardrail and content-filter stops are content_filter; a context
 * overflow stop (`model_context_window_exceeded`) is length, as the output was cut by a token limit; anything new
 * is stop, with the raw value kept as providerReason.
 */
export function mapBedrockFinishReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case "tool_use":
      return "tool_calls";
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "guardrail_intervened":
    case "content_filtered":
      return "content_filter";
    default:
      return "stop";
  }
}
