import { GatewayError } from "../../core/errors/gateway-error.js";
import type {
  ChatResponse,
  Choice,
  ChoiceLogprobs,
  ReasoningPart,
  ToolCall,
  Usage,
} from "../../core/types/chat.js";
import { asArray, asNumber, asObject, asString, type JsonObject } from "../shared/json.js";
import { mapOpenAIFinishReason } from "./map-openai-finish-reason.js";

/** OpenAI usage (and the variants of compatible hosts: Groq's `x_groq.usage`, DeepSeek's cache fields). */
export function parseOpenAIUsage(value: unknown): Usage | undefined {
  const usage = asObject(value);
  if (usage === undefined) return undefined;
  const promptTokens = asNumber(usage["prompt_tokens"]) ?? 0;
  const completionTokens = asNumber(usage["completion_tokens"]) ?? 0;
  const out: Usage = {
    promptTokens,
    completionTokens,
    totalTokens: asNumber(usage["total_tokens"]) ?? promptTokens + completionTokens,
  };
  const prompt = asObject(usage["prompt_tokens_details"]);
  const completion = asObject(usage["completion_tokens_details"]);
  const cached = asNumber(prompt?.["cached_tokens"]) ?? asNumber(usage["prompt_cache_hit_tokens"]);
  if (cached !== undefined) out.cachedPromptTokens = cached;
  const audioPrompt = asNumber(prompt?.["audio_tokens"]);
  if (audioPrompt !== undefined) out.audioPromptTokens = audioPrompt;
  const reasoning = asNumber(completion?.["reasoning_tokens"]);
  if (reasoning !== undefined) out.reasoningTokens = reasoning;
  const audioCompletion = asNumber(completion?.["audio_tokens"]);
  if (audioCompletion !== undefined) out.audioCompletionTokens = audioCompletion;
  const accepted = asNumber(completion?.["accepted_prediction_tokens"]);
  if (accepted !== undefined) out.acceptedPredictionTokens = accepted;
  const rejected = asNumber(completion?.["rejected_prediction_tokens"]);
  if (rejected !== undefined) out.rejectedPredictionTokens = rejected;
  return out;
}

export function parseOpenAILogprobs(value: unknown): ChoiceLogprobs | null | undefined {
  if (value === null) return null;
  const logprobs = asObject(value);
  if (logprobs === undefined) return undefined;
  // Token entries are already in OpenAI's shape; keep them as given (they are response-only data).
  return {
    content: (asArray(logprobs["content"]) as ChoiceLogprobs["content"] | undefined) ?? null,
    refusal: (asArray(logprobs["refusal"]) as ChoiceLogprobs["refusal"] | undefined) ?? null,
  };
}

function parseToolCalls(value: unknown): ToolCall[] | undefined {
  const calls = asArray(value);
  if (calls === undefined) return undefined;
  const out: ToolCall[] = [];
  for (const item of calls) {
    const call = asObject(item);
    const fn = asObject(call?.["function"]);
    if (call === undefined || fn === undefined) continue;
    const args = asString(fn["arguments"]);
    out.push({
      id: asString(call["id"]) ?? `call_${out.length}`,
      name: asString(fn["name"]) ?? "",
      arguments: args === undefined || args === "" ? "{}" : args,
    });
  }
  return out;
}

function parseReasoning(message: JsonObject): ReasoningPart[] | undefined {
  const text = asString(message["reasoning_content"]) ?? asString(message["reasoning"]);
  return text === undefined ? undefined : [{ text }];
}

/** Parses a Chat Completions response tolerantly: unknown fields are ignored, missing ones defaulted. */
export function parseOpenAIResponse(provider: string, body: unknown): ChatResponse {
  const root = asObject(body);
  const choices = asArray(root?.["choices"]);
  if (root === undefined || choices === undefined) {
    throw new GatewayError(
      "upstream_protocol",
      `Provider '${provider}' returned a response without choices.`,
      {
        provider,
      },
    );
  }
  const parsed: Choice[] = [];
  for (const [position, item] of choices.entries()) {
    const choice = asObject(item) ?? {};
    const message = asObject(choice["message"]) ?? {};
    const rawFinish = asString(choice["finish_reason"]);
    const toolCalls = parseToolCalls(message["tool_calls"]);
    const reasoning = parseReasoning(message);
    const annotations = asArray(message["annotations"]);
    const logprobs = parseOpenAILogprobs(choice["logprobs"]);
    parsed.push({
      index: asNumber(choice["index"]) ?? position,
      message: {
        content: asString(message["content"]) ?? null,
        ...(toolCalls !== undefined && toolCalls.length > 0 ? { toolCalls } : {}),
        ...(reasoning !== undefined ? { reasoning } : {}),
        refusal: asString(message["refusal"]) ?? null,
        ...(annotations !== undefined ? { annotations } : {}),
      },
      finishReason: rawFinish === undefined ? null : mapOpenAIFinishReason(rawFinish),
      ...(rawFinish !== undefined ? { providerFinishReason: rawFinish } : {}),
      ...(logprobs !== undefined ? { logprobs } : {}),
    });
  }
  const usage = parseOpenAIUsage(root["usage"]) ?? parseOpenAIUsage(asObject(root["x_groq"])?.["usage"]);
  return {
    id: asString(root["id"]) ?? "",
    model: asString(root["model"]) ?? "",
    created: asNumber(root["created"]) ?? Math.floor(Date.now() / 1000),
    choices: parsed,
    ...(usage !== undefined ? { usage } : {}),
    ...(root["system_fingerprint"] !== undefined
      ? { systemFingerprint: asString(root["system_fingerprint"]) ?? null }
      : {}),
    ...(root["service_tier"] !== undefined ? { serviceTier: asString(root["service_tier"]) ?? null } : {}),
  };
}
