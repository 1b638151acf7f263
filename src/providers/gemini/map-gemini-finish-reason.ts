import type { FinishReason } from "../../core/types/chat.js";

/**
 * Gemini `finishReason` → ours. Gemini ends function calls with plain `STOP`, so the caller passes whether the
 * candidate contained a call; safety-style stops are content filtering; a malformed call is an error.
 */
export function mapGeminiFinishReason(reason: string | undefined, sawToolCall: boolean): FinishReason {
  switch (reason) {
    case "STOP":
    case undefined:
      return sawToolCall ? "tool_calls" : "stop";
    case "MAX_TOKENS":
      return "length";
    case "SAFETY":
    case "RECITATION":
    case "BLOCKLIST":
    case "PROHIBITED_CONTENT":
    case "SPII":
    case "IMAGE_SAFETY":
    case "IMAGE_PROHIBITED_CONTENT":
    case "IMAGE_RECITATION":
      return "content_filter";
    case "MALFORMED_FUNCTION_CALL":
    case "UNEXPECTED_TOOL_CALL":
    case "TOO_MANY_TOOL_CALLS":
      return "error";
    default:
      // LANGUAGE, OTHER, FINISH_REASON_UNSPECIFIED and future values.
      return sawToolCall ? "tool_calls" : "stop";
  }
}
