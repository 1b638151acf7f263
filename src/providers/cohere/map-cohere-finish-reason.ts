import type { FinishReason } from "../../core/types/chat.js";

/** Cohere `finish_reason` (v2, plus the v1 error variants still seen) → our finish reason. */
export function mapCohereFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "COMPLETE":
    case "STOP_SEQUENCE":
      return "stop";
    case "MAX_TOKENS":
    case "ERROR_LIMIT":
      return "length";
    case "TOOL_CALL":
      return "tool_calls";
    case "ERROR_TOXIC":
      return "content_filter";
    case "ERROR":
      return "error";
    default:
      return "stop";
  }
}
