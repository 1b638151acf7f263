import type { ChatRequest } from "../core/types/chat.js";

/**
 * A cheap prompt-size estimate (about four characters per token, images counted flat) for pre-call context checks
 * and tpm admission. It errs low on purpose: a pre-call check that wrongly skips a model that would have fitted is
 * worse than one upstream context error, which falls back anyway. Reported usage corrects tpm counts afterwards.
 */
export function estimatePromptTokens(request: ChatRequest): number {
  let characters = 0;
  let flat = 0;
  for (const message of request.messages) {
    flat += 4;
    if (typeof message.content === "string") characters += message.content.length;
    else if (message.content !== null) {
      for (const part of message.content) {
        if (part.type === "text") characters += part.text.length;
        else flat += 85;
      }
    }
    for (const call of message.toolCalls ?? []) characters += call.name.length + call.arguments.length;
  }
  for (const tool of request.tools ?? []) {
    characters += tool.name.length + (tool.description?.length ?? 0);
    if (tool.parameters !== undefined) characters += JSON.stringify(tool.parameters).length;
  }
  return Math.ceil(characters / 4) + flat;
}
