import type { Usage } from "../../core/types/chat.js";
import type { AnthropicUsage } from "./anthropic-api.js";

/**
 * Anthropic reports `input_tokens` without the cached part; OpenAI's `prompt_tokens` includes it. So the
 * prompt is input + cache writes + cache reads, with the reads as `cachedPromptTokens` and the writes kept
 * for pricing (they cost more than plain input). Thinking is billed inside `output_tokens`.
 */
export function mapAnthropicUsage(usage: AnthropicUsage): Usage {
  const input = usage.input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const output = usage.output_tokens ?? 0;
  const promptTokens = input + cacheWrite + cacheRead;
  const result: Usage = { promptTokens, completionTokens: output, totalTokens: promptTokens + output };
  if (usage.cache_read_input_tokens != null) result.cachedPromptTokens = cacheRead;
  if (usage.cache_creation_input_tokens != null) result.cacheWriteTokens = cacheWrite;
  return result;
}

/** Later usage counters win (message_delta repeats and may correct message_start); absent ones are kept. */
export function mergeAnthropicUsage(
  current: AnthropicUsage,
  next: AnthropicUsage | undefined,
): AnthropicUsage {
  if (next === undefined) return current;
  const merged: AnthropicUsage = { ...current };
  if (next.input_tokens != null) merged.input_tokens = next.input_tokens;
  if (next.output_tokens != null) merged.output_tokens = next.output_tokens;
  if (next.cache_creation_input_tokens != null)
    merged.cache_creation_input_tokens = next.cache_creation_input_tokens;
  if (next.cache_read_input_tokens != null) merged.cache_read_input_tokens = next.cache_read_input_tokens;
  return merged;
}
