import type { ChatRequest } from "../core/types/chat.js";

/** Longest text we tokenize for an estimate (beyond it, 4 characters a token): bounded CPU per request. */
const MAX_TOKENIZE_CHARS = 200_000;
/** Tokens a provider adds per message (role markers) and per image, for upper bounds. */
const PER_MESSAGE = 8;
const PER_IMAGE = 2_000;

type Counter = (text: string) => number;
let counter: Counter | undefined;

/** Loads the tokenizer once, off the hot path (only cut streams without reported usage need it). */
async function tokenizer(): Promise<Counter> {
  if (counter === undefined) {
    const module = await import("gpt-tokenizer/encoding/o200k_base");
    counter = (text) => module.countTokens(text);
  }
  return counter;
}

/** Token estimate of a text with the o200k tokenizer (an estimate for every provider: flagged as such). */
export async function estimateTokens(text: string): Promise<number> {
  if (text.length === 0) return 0;
  const count = await tokenizer();
  if (text.length <= MAX_TOKENIZE_CHARS) return count(text);
  return count(text.slice(0, MAX_TOKENIZE_CHARS)) + Math.ceil((text.length - MAX_TOKENIZE_CHARS) / 4);
}

/**
 * Completion tokens estimated from a running count of generated UTF-8 bytes (4 bytes a token, the rate of
 * `promptTokensTypical`): streams count bytes as they pass instead of keeping the text, so this is a function of
 * the count alone, and equals `completionTokensFromText` of the whole text.
 */
export function completionTokensFromBytes(bytes: number): number {
  return Math.ceil(Math.max(0, bytes) / 4);
}

/** The same estimate from the whole text (reference for the running count; tests compare the two). */
export function completionTokensFromText(text: string): number {
  return completionTokensFromBytes(Buffer.byteLength(text, "utf8"));
}

/** All text a request sends (messages, tools), for estimates. */
export function requestText(request: ChatRequest): { text: string; images: number; messages: number } {
  let text = "";
  let images = 0;
  for (const message of request.messages) {
    if (typeof message.content === "string") text += message.content;
    else if (message.content !== null) {
      for (const part of message.content) {
        if (part.type === "text") text += part.text;
        else images += 1;
      }
    }
    for (const call of message.toolCalls ?? []) text += call.name + call.arguments;
  }
  for (const tool of request.tools ?? [])
    text += tool.name + (tool.description ?? "") + JSON.stringify(tool.parameters ?? {});
  return { text, images, messages: request.messages.length };
}

/**
 * An upper bound of the prompt's tokens without tokenizing: every token of a byte-level BPE tokenizer is at
 * least one byte, so UTF-8 bytes bound the text; plus per-message and per-image allowances. Used to reserve
 * budget (overshoot must be zero).
 */
export function promptTokensUpperBound(request: ChatRequest): number {
  const { text, images, messages } = requestText(request);
  return Buffer.byteLength(text, "utf8") + messages * PER_MESSAGE + images * PER_IMAGE + 16;
}

/** A cheap typical estimate (4 bytes a token) for rate-limit token reservations. */
export function promptTokensTypical(request: ChatRequest): number {
  const { text, images, messages } = requestText(request);
  return Math.ceil(Buffer.byteLength(text, "utf8") / 4) + messages * 4 + images * 800;
}
