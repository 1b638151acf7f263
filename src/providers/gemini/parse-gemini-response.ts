import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatResponse, Choice, ReasoningPart, ToolCall } from "../../core/types/chat.js";
import { type GeminiResponse, geminiResponseSchema } from "./gemini-api.js";
import { errorBodyOf, geminiError } from "./gemini-error.js";
import { synthesizeToolCallId } from "./gemini-tool-call-id.js";
import { mapGeminiFinishReason } from "./map-gemini-finish-reason.js";
import { mapGeminiUsage } from "./map-gemini-usage.js";

export interface GeminiParseOptions {
  provider: string;
  /** The configured model, used when the response names none. */
  model: string;
  now?: () => number;
}

/**
 * A generateContent response → choices (one per candidate): answer text concatenated, `thought: true` parts as
 * reasoning, `thoughtSignature`s kept (on the reasoning of text answers, on the tool call they belong to) so
 * the next turn can send them back, function calls with synthesised ids. A blocked prompt (no candidates,
 * `promptFeedback.blockReason`) is a content_filter finish, not a crash.
 */
export function parseGeminiResponse(body: unknown, options: GeminiParseOptions): ChatResponse {
  const value = Array.isArray(body) && body.length === 1 ? body[0] : body;
  const errorBody = errorBodyOf(value);
  if (errorBody !== undefined) throw geminiError(errorBody, errorBody.error.code ?? 200, options.provider);
  const parsed = geminiResponseSchema.safeParse(value);
  if (!parsed.success) {
    throw new GatewayError("upstream_protocol", "The Gemini upstream sent a response we cannot read.", {
      provider: options.provider,
      reason: "invalid_response",
    });
  }
  const response = parsed.data;
  const now = options.now ?? Date.now;
  const choices: Choice[] = (response.candidates ?? []).map((candidate, position) => {
    let text: string | null = null;
    const reasoning: ReasoningPart[] = [];
    const toolCalls: ToolCall[] = [];
    for (const part of candidate.content?.parts ?? []) {
      if (part.functionCall !== undefined) {
        const call: ToolCall = {
          id: part.functionCall.id ?? synthesizeToolCallId(),
          name: part.functionCall.name ?? "",
          arguments: JSON.stringify(part.functionCall.args ?? {}),
        };
        if (part.thoughtSignature !== undefined)
          call.providerOptions = { thoughtSignature: part.thoughtSignature };
        toolCalls.push(call);
      } else if (part.thought === true) {
        const thought: ReasoningPart = { text: part.text ?? "" };
        if (part.thoughtSignature !== undefined) thought.signature = part.thoughtSignature;
        reasoning.push(thought);
      } else if (part.text !== undefined) {
        text = (text ?? "") + part.text;
        if (part.thoughtSignature !== undefined) reasoning.push({ signature: part.thoughtSignature });
      }
    }
    const message: Choice["message"] = { content: text };
    if (toolCalls.length > 0) message.toolCalls = toolCalls;
    if (reasoning.length > 0) message.reasoning = reasoning;
    const choice: Choice = {
      index: candidate.index ?? position,
      message,
      finishReason: mapGeminiFinishReason(candidate.finishReason, toolCalls.length > 0),
    };
    if (candidate.finishReason !== undefined) choice.providerFinishReason = candidate.finishReason;
    return choice;
  });
  if (choices.length === 0) {
    const blockReason = response.promptFeedback?.blockReason;
    choices.push({
      index: 0,
      message: { content: null },
      finishReason: blockReason === undefined ? "stop" : "content_filter",
      ...(blockReason === undefined ? {} : { providerFinishReason: blockReason }),
    });
  }
  const result: ChatResponse = {
    id: response.responseId ?? `gemini-${synthesizeToolCallId().slice(5)}`,
    model: response.modelVersion ?? options.model,
    created: createdOf(response, now),
    choices,
  };
  if (response.usageMetadata !== undefined) result.usage = mapGeminiUsage(response.usageMetadata);
  return result;
}

/** Vertex sends `createTime`; AI Studio does not, so it is the time we received the answer. */
export function createdOf(response: GeminiResponse, now: () => number): number {
  const parsed = response.createTime === undefined ? Number.NaN : Date.parse(response.createTime);
  return Math.floor((Number.isNaN(parsed) ? now() : parsed) / 1000);
}
