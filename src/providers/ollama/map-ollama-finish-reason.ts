import type { FinishReason } from "../../core/types/chat.js";

/**
 * Ollama `done_reason` → ours. Ollama says "stop" even when the turn ended in tool calls, so the caller passes
 * whether any were produced.
 */
export function mapOllamaFinishReason(
  reason: string | null | undefined,
  sawToolCalls: boolean,
): FinishReason {
  if (reason === "length") return "length";
  return sawToolCalls ? "tool_calls" : "stop";
}
