import type { Usage } from "../../core/types/chat.js";
import type { GeminiUsage } from "./gemini-api.js";

/**
 * Gemini counts thoughts apart from candidates; OpenAI's completion_tokens include reasoning. So completion =
 * candidates + thoughts with thoughts as reasoning tokens; the prompt includes cached content (as OpenAI's does)
 * and tool-use prompt tokens, which are billed as input. `candidatesTokenCount` may be absent (safety blocks,
 * thought-only answers).
 */
export function mapGeminiUsage(usage: GeminiUsage): Usage {
  const prompt = (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0);
  const thoughts = usage.thoughtsTokenCount ?? 0;
  const completion = (usage.candidatesTokenCount ?? 0) + thoughts;
  const result: Usage = {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: usage.totalTokenCount ?? prompt + completion,
  };
  if (usage.cachedContentTokenCount !== undefined) result.cachedPromptTokens = usage.cachedContentTokenCount;
  if (usage.thoughtsTokenCount !== undefined) result.reasoningTokens = thoughts;
  return result;
}
