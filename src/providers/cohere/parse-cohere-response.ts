import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatResponse, ReasoningPart, ToolCall, Usage } from "../../core/types/chat.js";
import type { ProviderCallContext } from "../../core/types/provider.js";
import { type CohereUsage, cohereResponseSchema } from "./cohere-api.js";
import { mapCohereFinishReason } from "./map-cohere-finish-reason.js";

/**
 * Cohere usage → ours. Cohere reports `tokens` (what the model processed, incl. its system preamble) and
 * `billed_units` (what is invoiced); `cached_tokens` is a part of `tokens.input_tokens` (2928 of 2935 in the
 * cached-tokens cassette, while only 2406 were billed), so `tokens` is the one set in which the cached count is
 * a subset as our Usage requires. Billed units are the fallback when `tokens` is absent.
 */
export function toCohereUsage(usage: CohereUsage): Usage {
  const counts = usage.tokens ?? usage.billed_units ?? {};
  const promptTokens = counts.input_tokens ?? 0;
  const completionTokens = counts.output_tokens ?? 0;
  const result: Usage = { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
  if (usage.cached_tokens !== undefined && usage.cached_tokens !== null && usage.tokens) {
    result.cachedPromptTokens = Math.min(usage.cached_tokens, promptTokens);
  }
  return result;
}

export function parseCohereResponse(body: unknown, context: ProviderCallContext): ChatResponse {
  const parsed = cohereResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new GatewayError("upstream_protocol", "Cohere returned a response the gateway cannot read.", {
      provider: "cohere",
      reason: "invalid_response",
    });
  }
  const response = parsed.data;
  let text: string | null = null;
  const reasoning: ReasoningPart[] = [];
  for (const part of response.message?.content ?? []) {
    if (part.type === "text" && typeof part.text === "string") text = (text ?? "") + part.text;
    else if (part.type === "thinking" && typeof part.thinking === "string")
      reasoning.push({ text: part.thinking });
  }
  const toolCalls: ToolCall[] = (response.message?.tool_calls ?? []).map((call, index) => ({
    id: call.id ?? `call_${context.requestId}_${index}`,
    name: call.function?.name ?? "",
    arguments: call.function?.arguments || "{}",
  }));
  // The tool plan is the model's own text before it calls tools; with no other text it is the content.
  if (text === null && toolCalls.length > 0 && response.message?.tool_plan) text = response.message.tool_plan;
  const finish = response.finish_reason ?? undefined;
  const result: ChatResponse = {
    id: response.id ?? `chatcmpl-${context.requestId}`,
    model: context.deployment.model,
    created: Math.floor(Date.now() / 1000),
    choices: [
      {
        index: 0,
        message: {
          content: text,
          ...(toolCalls.length > 0 ? { toolCalls } : {}),
          ...(reasoning.length > 0 ? { reasoning } : {}),
        },
        finishReason: mapCohereFinishReason(finish),
        ...(finish === undefined ? {} : { providerFinishReason: finish }),
      },
    ],
  };
  if (response.usage) result.usage = toCohereUsage(response.usage);
  return result;
}
