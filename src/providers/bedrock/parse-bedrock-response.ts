import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatResponse, ReasoningPart, ToolCall, Usage } from "../../core/types/chat.js";
import type { ProviderCallContext } from "../../core/types/provider.js";
import { type BedrockUsage, bedrockConverseResponseSchema, JSON_RESPONSE_TOOL } from "./bedrock-api.js";
import { mapBedrockFinishReason } from "./map-bedrock-finish-reason.js";

/**
 * Converse usage → ours. Bedrock's `inputTokens` excludes cache reads and writes (the prompt-cache cassette shows
 * inputTokens 2 + cacheWriteInputTokens 1322 + outputTokens 5 = totalTokens 1329), while our promptTokens
 * includes them, so they are added back.
 */
export function toUsage(usage: BedrockUsage): Usage {
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  const promptTokens = (usage.inputTokens ?? 0) + cacheRead + cacheWrite;
  const completionTokens = usage.outputTokens ?? 0;
  const result: Usage = {
    promptTokens,
    completionTokens,
    totalTokens: usage.totalTokens ?? promptTokens + completionTokens,
  };
  if (usage.cacheReadInputTokens !== undefined && usage.cacheReadInputTokens !== null) {
    result.cachedPromptTokens = cacheRead;
  }
  if (usage.cacheWriteInputTokens !== undefined && usage.cacheWriteInputTokens !== null) {
    result.cacheWriteTokens = cacheWrite;
  }
  return result;
}

/** A Converse response → ChatResponse: text blocks joined, toolUse → tool calls, reasoningContent → reasoning. */
export function parseBedrockResponse(body: unknown, context: ProviderCallContext): ChatResponse {
  const parsed = bedrockConverseResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new GatewayError("upstream_protocol", "Bedrock returned a response the gateway cannot read.", {
      provider: "bedrock",
      reason: "invalid_response",
    });
  }
  const response = parsed.data;
  let text: string | null = null;
  const toolCalls: ToolCall[] = [];
  const reasoning: ReasoningPart[] = [];
  let jsonMode = false;
  for (const block of response.output.message?.content ?? []) {
    if (block.text !== undefined && block.text !== null) text = (text ?? "") + block.text;
    if (block.toolUse !== undefined && block.toolUse !== null && block.toolUse.name === JSON_RESPONSE_TOOL) {
      // Emulated JSON mode: the tool input is the answer.
      text = JSON.stringify(block.toolUse.input ?? {});
      jsonMode = true;
    } else if (block.toolUse !== undefined && block.toolUse !== null) {
      toolCalls.push({
        id: block.toolUse.toolUseId,
        name: block.toolUse.name,
        arguments: JSON.stringify(block.toolUse.input ?? {}),
      });
    }
    const content = block.reasoningContent;
    if (content !== undefined && content !== null) {
      if (content.redactedContent !== undefined && content.redactedContent !== null) {
        reasoning.push({ redactedData: content.redactedContent });
      } else if (content.reasoningText !== undefined && content.reasoningText !== null) {
        const part: ReasoningPart = { text: content.reasoningText.text ?? "" };
        if (content.reasoningText.signature) part.signature = content.reasoningText.signature;
        reasoning.push(part);
      }
    }
  }
  const stopReason = response.stopReason ?? undefined;
  const result: ChatResponse = {
    id: `chatcmpl-${context.requestId}`,
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
        finishReason: jsonMode && stopReason === "tool_use" ? "stop" : mapBedrockFinishReason(stopReason),
        ...(stopReason === undefined ? {} : { providerFinishReason: stopReason }),
      },
    ],
  };
  if (response.usage !== undefined && response.usage !== null) result.usage = toUsage(response.usage);
  return result;
}
