import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatResponse, ReasoningPart, ToolCall } from "../../core/types/chat.js";
import { anthropicMessageSchema } from "./anthropic-api.js";
import { ANTHROPIC_PROVIDER_ID } from "./anthropic-error.js";
import { ANTHROPIC_JSON_TOOL_NAME } from "./convert-to-anthropic-request.js";
import { mapAnthropicFinishReason } from "./map-anthropic-finish-reason.js";
import { mapAnthropicUsage } from "./map-anthropic-usage.js";

/**
 * A Messages API response → one choice: text blocks concatenated into content, tool_use blocks into tool
 * calls (arguments re-serialised from the input object), thinking / redacted_thinking into reasoning parts with
 * their signatures so the caller can send them back. The forced JSON tool becomes plain content.
 */
export function parseAnthropicResponse(body: unknown, now: () => number = Date.now): ChatResponse {
  const parsed = anthropicMessageSchema.safeParse(body);
  if (!parsed.success) {
    throw new GatewayError("upstream_protocol", "The Anthropic upstream sent a response we cannot read.", {
      provider: ANTHROPIC_PROVIDER_ID,
      reason: "invalid_response",
    });
  }
  const message = parsed.data;
  let text: string | null = null;
  const toolCalls: ToolCall[] = [];
  const reasoning: ReasoningPart[] = [];
  let jsonTool = false;
  for (const block of message.content) {
    switch (block.type) {
      case "text":
        text = (text ?? "") + (block.text ?? "");
        break;
      case "tool_use": {
        const argumentsText = JSON.stringify(block.input ?? {});
        if (block.name === ANTHROPIC_JSON_TOOL_NAME) {
          jsonTool = true;
          text = (text ?? "") + argumentsText;
          break;
        }
        toolCalls.push({ id: block.id ?? "", name: block.name ?? "", arguments: argumentsText });
        break;
      }
      case "thinking": {
        const part: ReasoningPart = { text: block.thinking ?? "" };
        if (block.signature !== undefined) part.signature = block.signature;
        reasoning.push(part);
        break;
      }
      case "redacted_thinking":
        if (block.data !== undefined) reasoning.push({ redactedData: block.data });
        break;
      default:
        // Server-tool blocks (web search results, code execution) have no chat equivalent yet.
        break;
    }
  }
  const choiceMessage: ChatResponse["choices"][number]["message"] = { content: text };
  if (toolCalls.length > 0) choiceMessage.toolCalls = toolCalls;
  if (reasoning.length > 0) choiceMessage.reasoning = reasoning;
  const response: ChatResponse = {
    id: message.id,
    model: message.model,
    created: Math.floor(now() / 1000),
    choices: [
      {
        index: 0,
        message: choiceMessage,
        finishReason: mapAnthropicFinishReason(message.stop_reason, jsonTool && toolCalls.length === 0),
        ...(message.stop_reason == null ? {} : { providerFinishReason: message.stop_reason }),
        ...(message.stop_sequence == null ? {} : { stopSequence: message.stop_sequence }),
      },
    ],
  };
  if (message.usage !== undefined) response.usage = mapAnthropicUsage(message.usage);
  return response;
}
