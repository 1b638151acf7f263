import type { ChatRequest, ChatResponse, Message } from "../core/types/chat.js";

/**
 * Prompt and completion content as traces and logging callbacks carry it, only where the operator enabled it:
 * roles, text, tool calls and tool results; images, files and audio become a placeholder (never their bytes or
 * URLs, which may be signed). Callers scrub secrets from the result.
 */
export interface LoggedMessage {
  role: string;
  content: string | null;
  tool_calls?: { id: string; name: string; arguments: string }[];
  tool_call_id?: string;
}

/** At most this many characters of content per field: a log line is not a transcript store. */
const MAX_CONTENT_CHARS = 32_768;

export function messagesOfRequest(request: ChatRequest): LoggedMessage[] {
  return request.messages.map(loggedMessage);
}

export function messagesOfResponse(response: ChatResponse): LoggedMessage[] {
  return response.choices.map((choice) => {
    const message: LoggedMessage = { role: "assistant", content: clip(choice.message.content) };
    if (choice.message.toolCalls !== undefined && choice.message.toolCalls.length > 0)
      message.tool_calls = choice.message.toolCalls.map((call) => ({
        id: call.id,
        name: call.name,
        arguments: clip(call.arguments) ?? "",
      }));
    return message;
  });
}

export function contentOfRequest(request: ChatRequest): string {
  return JSON.stringify(messagesOfRequest(request));
}

export function contentOfResponse(response: ChatResponse): string {
  return JSON.stringify(messagesOfResponse(response));
}

function loggedMessage(message: Message): LoggedMessage {
  let content: string | null;
  if (message.content === null || typeof message.content === "string") content = clip(message.content);
  else
    content = clip(
      message.content.map((part) => (part.type === "text" ? part.text : `[${part.type}]`)).join("\n"),
    );
  const logged: LoggedMessage = { role: message.role, content };
  if (message.toolCalls !== undefined && message.toolCalls.length > 0)
    logged.tool_calls = message.toolCalls.map((call) => ({
      id: call.id,
      name: call.name,
      arguments: clip(call.arguments) ?? "",
    }));
  if (message.toolCallId !== undefined) logged.tool_call_id = message.toolCallId;
  return logged;
}

function clip(text: string | null): string | null {
  if (text === null || text.length <= MAX_CONTENT_CHARS) return text;
  return `${text.slice(0, MAX_CONTENT_CHARS)}…`;
}
