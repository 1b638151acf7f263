import type { FinishReason } from "../../core/types/chat.js";
import { mapOpenAIFinishReason } from "../openai/map-openai-finish-reason.js";

/** Mistral finish reasons: OpenAI's, plus `model_length` (context full) → length and `error` → error. */
export function mapMistralFinishReason(reason: string): FinishReason {
  if (reason === "model_length") return "length";
  if (reason === "error") return "error";
  return mapOpenAIFinishReason(reason);
}
