import { randomBytes } from "node:crypto";

/**
 * Gemini returns function calls without ids (or with ids only on some models). Callers need one to answer the
 * call, so we synthesise `call_<random>`; the reply maps back to the function name through the assistant turn
 * the caller sends with it (OpenAI requires that turn before tool messages).
 */
export function synthesizeToolCallId(): string {
  return `call_${randomBytes(12).toString("base64url")}`;
}
