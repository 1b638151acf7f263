import type { GuardrailConfig } from "../config/guardrail-config.js";
import { guardrailViolation } from "../core/chat/guardrail-port.js";
import type { ChatRequest } from "../core/types/chat.js";

/** Prompt size and tool count limits: cheap checks that need no scan of the text beyond its length. */
export function checkLimits(config: GuardrailConfig, request: ChatRequest): void {
  if (config.maxMessages !== undefined && request.messages.length > config.maxMessages) {
    throw guardrailViolation(config.name, `the request has more than ${config.maxMessages} messages`);
  }
  if (config.maxTools !== undefined && (request.tools?.length ?? 0) > config.maxTools) {
    throw guardrailViolation(config.name, `the request offers more than ${config.maxTools} tools`);
  }
  if (config.maxPromptChars !== undefined) {
    let chars = 0;
    for (const message of request.messages) {
      if (typeof message.content === "string") chars += message.content.length;
      else if (message.content !== null)
        for (const part of message.content) if (part.type === "text") chars += part.text.length;
      for (const call of message.toolCalls ?? []) chars += call.arguments.length;
    }
    if (chars > config.maxPromptChars) {
      throw guardrailViolation(config.name, `the prompt is longer than ${config.maxPromptChars} characters`);
    }
  }
}
