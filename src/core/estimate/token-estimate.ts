import type { ChatRequest } from "../types/chat.js";

/**
 * The one prompt estimate, computed once per request at admission (ChatGateway) and carried on
 * ChatContext.resolved: the router's pre-call context checks and tpm admission, and usage's budget and tpm
 * reservations, all read it. Bytes, not characters: every token of a byte-level BPE tokenizer is at least one
 * UTF-8 byte, so bytes bound the text from above, and bytes ÷ 4 is a fair typical count for English and far
 * closer than characters ÷ 4 for CJK and other multi-byte scripts (where characters ÷ 4 undercounts up to 4×).
 */
export interface PromptEstimate {
  /** A typical count (4 UTF-8 bytes a token, 4 a message, 800 an image), for context checks and tpm. */
  tokens: number;
  /** An upper bound (1 byte a token, 8 a message, 2,000 an image, 16 more), for budget reservations. */
  upperBound: number;
}

/** Tokens a provider adds per message (role markers) and per image, typical and at most. */
const PER_MESSAGE_TYPICAL = 4;
const PER_MESSAGE_BOUND = 8;
const PER_IMAGE_TYPICAL = 800;
const PER_IMAGE_BOUND = 2_000;
const BOUND_SLACK = 16;

/** One walk over the prompt (messages, tool calls, tools): its UTF-8 size, messages and images. */
export function estimatePrompt(request: ChatRequest): PromptEstimate {
  let bytes = 0;
  let images = 0;
  for (const message of request.messages) {
    if (typeof message.content === "string") bytes += Buffer.byteLength(message.content, "utf8");
    else if (message.content !== null) {
      for (const part of message.content) {
        if (part.type === "text") bytes += Buffer.byteLength(part.text, "utf8");
        else images += 1;
      }
    }
    for (const call of message.toolCalls ?? [])
      bytes += Buffer.byteLength(call.name, "utf8") + Buffer.byteLength(call.arguments, "utf8");
  }
  for (const tool of request.tools ?? []) {
    bytes += Buffer.byteLength(tool.name, "utf8") + Buffer.byteLength(tool.description ?? "", "utf8");
    bytes += Buffer.byteLength(JSON.stringify(tool.parameters ?? {}), "utf8");
  }
  const messages = request.messages.length;
  return {
    tokens: Math.ceil(bytes / 4) + messages * PER_MESSAGE_TYPICAL + images * PER_IMAGE_TYPICAL,
    upperBound: bytes + messages * PER_MESSAGE_BOUND + images * PER_IMAGE_BOUND + BOUND_SLACK,
  };
}

/** Longest text we tokenize for an estimate (beyond it, 4 characters a token): bounded CPU per request. */
const MAX_TOKENIZE_CHARS = 200_000;

type Counter = (text: string) => number;
let counter: Counter | undefined;

/** Loads the tokenizer once, off the hot path (only usage the provider did not report needs it). */
async function tokenizer(): Promise<Counter> {
  if (counter === undefined) {
    const module = await import("gpt-tokenizer/encoding/o200k_base");
    counter = (text) => module.countTokens(text);
  }
  return counter;
}

/**
 * Token count of a text with the o200k tokenizer: what usage bills when a provider reported nothing (an estimate
 * for every provider, flagged as such).
 */
export async function estimateTokens(text: string): Promise<number> {
  if (text.length === 0) return 0;
  const count = await tokenizer();
  if (text.length <= MAX_TOKENIZE_CHARS) return count(text);
  return count(text.slice(0, MAX_TOKENIZE_CHARS)) + Math.ceil((text.length - MAX_TOKENIZE_CHARS) / 4);
}

/** All text a request sends (messages, tool calls, tools), for a tokenizer count. */
export function requestText(request: ChatRequest): string {
  let text = "";
  for (const message of request.messages) {
    if (typeof message.content === "string") text += message.content;
    else if (message.content !== null) {
      for (const part of message.content) if (part.type === "text") text += part.text;
    }
    for (const call of message.toolCalls ?? []) text += call.name + call.arguments;
  }
  for (const tool of request.tools ?? [])
    text += tool.name + (tool.description ?? "") + JSON.stringify(tool.parameters ?? {});
  return text;
}

/**
 * Completion tokens estimated from a running count of generated UTF-8 bytes (4 bytes a token, the typical prompt
 * rate): streams count bytes as they pass instead of keeping the text, so this is a function of the count alone,
 * and equals `completionTokensFromText` of the whole text.
 */
export function completionTokensFromBytes(bytes: number): number {
  return Math.ceil(Math.max(0, bytes) / 4);
}

/** The same estimate from the whole text (reference for the running count; tests compare the two). */
export function completionTokensFromText(text: string): number {
  return completionTokensFromBytes(Buffer.byteLength(text, "utf8"));
}
