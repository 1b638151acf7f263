import type { GuardrailConfig, GuardrailMode } from "../config/guardrail-config.js";
import { GuardrailError, guardrailViolation } from "../core/chat/guardrail-port.js";
import type { ChatRequest, ChatResponse, Message } from "../core/types/chat.js";

/**
 * What an HTTP or custom-module guardrail is shown and what it answers. The input carries text only (message
 * roles and text, the answer's choices), never credentials or the caller's key; the answer is `allow`, `block`
 * (with an optional reason, shown to the caller) or `mask` (replacement texts, same positions).
 */
export interface GuardrailInput {
  guardrail: string;
  mode: GuardrailMode;
  request_id: string;
  model: string;
  messages: { role: string; content: string }[];
  /** post_call only: the answer's text per choice. */
  response?: { choices: { index: number; content: string | null }[] };
}

export interface GuardrailDecision {
  action: "allow" | "block" | "mask";
  reason?: string;
  /** mask, pre_call: the new text of each message, by position (null or absent: unchanged). */
  messages?: (string | null)[];
  /** mask, post_call: the new text of each choice, by index (absent: unchanged). */
  choices?: { index: number; content: string }[];
}

export function messageText(message: Message): string {
  if (typeof message.content === "string") return message.content;
  if (message.content === null) return "";
  let text = "";
  for (const part of message.content)
    if (part.type === "text") text += (text.length > 0 ? "\n" : "") + part.text;
  return text;
}

export function inputOf(
  config: GuardrailConfig,
  mode: GuardrailMode,
  request: ChatRequest,
  requestId: string,
  response?: ChatResponse,
): GuardrailInput {
  const input: GuardrailInput = {
    guardrail: config.name,
    mode,
    request_id: requestId,
    model: request.model,
    messages: request.messages.map((message) => ({ role: message.role, content: messageText(message) })),
  };
  if (response !== undefined) {
    input.response = {
      choices: response.choices.map((choice) => ({ index: choice.index, content: choice.message.content })),
    };
  }
  return input;
}

/** Parses an answer strictly: anything else is an error (and fails closed unless the guardrail fails open). */
export function parseDecision(value: unknown): GuardrailDecision {
  if (typeof value !== "object" || value === null) throw new Error("not an object");
  const record = value as Record<string, unknown>;
  const action = record["action"];
  if (action !== "allow" && action !== "block" && action !== "mask") throw new Error("no action");
  const decision: GuardrailDecision = { action };
  if (typeof record["reason"] === "string") decision.reason = record["reason"].slice(0, 200);
  const messages = record["messages"];
  if (Array.isArray(messages)) {
    decision.messages = messages.map((entry) => {
      if (entry === null || typeof entry === "string") return entry;
      if (typeof entry === "object" && typeof (entry as Record<string, unknown>)["content"] === "string")
        return (entry as Record<string, string>)["content"] ?? null;
      throw new Error("bad messages");
    });
  }
  const choices = record["choices"];
  if (Array.isArray(choices)) {
    decision.choices = choices.map((entry) => {
      const choice = entry as Record<string, unknown>;
      if (typeof choice["index"] !== "number" || typeof choice["content"] !== "string")
        throw new Error("bad choices");
      return { index: choice["index"], content: choice["content"] };
    });
  }
  return decision;
}

/**
 * Acts on a decision. `block` throws the violation (with the guardrail's reason, scrubbed by GatewayError);
 * `mask` rewrites message texts (pre_call) or choice texts (post_call); in during_call, or on a stream's
 * post_call (already sent), a mask cannot be applied and counts as a block.
 */
export function applyDecision(
  config: GuardrailConfig,
  decision: GuardrailDecision,
  request: ChatRequest,
  response: ChatResponse | undefined,
  canRewrite: boolean,
): void {
  if (decision.action === "allow") return;
  if (decision.action === "block" || !canRewrite) {
    throw guardrailViolation(config.name, decision.reason ?? "the guardrail refused the content");
  }
  if (response === undefined) {
    decision.messages?.forEach((text, index) => {
      const message = request.messages[index];
      if (message === undefined || text === null || text === messageText(message)) return;
      replaceMessageText(message, text);
    });
    return;
  }
  for (const choice of decision.choices ?? []) {
    const target = response.choices.find((candidate) => candidate.index === choice.index);
    if (target !== undefined) target.message.content = choice.content;
  }
}

/** A message's text replaced: a string stays a string; parts keep their non-text parts and get one text part. */
function replaceMessageText(message: Message, text: string): void {
  if (typeof message.content === "string" || message.content === null) {
    message.content = text;
    return;
  }
  const others = message.content.filter((part) => part.type !== "text");
  message.content = [{ type: "text", text }, ...others];
}

/**
 * Runs an external decision under a time box: an error or a timeout refuses the request (503, fail closed) unless
 * the guardrail is configured to fail open, in which case the content passes unchanged.
 */
export async function decideWithin(
  config: GuardrailConfig,
  signal: AbortSignal,
  decide: (signal: AbortSignal) => Promise<GuardrailDecision>,
): Promise<GuardrailDecision> {
  // A timer of our own (AbortSignal.timeout's is unref'd): a hung guardrail is always answered by its timeout.
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error("guardrail timeout")), config.timeoutMs);
  const combined = AbortSignal.any([signal, timeout.signal]);
  try {
    return await new Promise<GuardrailDecision>((resolve, reject) => {
      const onAbort = () => reject(combined.reason);
      if (combined.aborted) return onAbort();
      combined.addEventListener("abort", onAbort, { once: true });
      decide(combined)
        .then(resolve, reject)
        .finally(() => combined.removeEventListener("abort", onAbort));
    });
  } catch (error) {
    if (signal.aborted) throw error;
    if (config.failOpen) return { action: "allow" };
    const why = timeout.signal.aborted ? `did not answer within ${config.timeoutMs} ms` : "failed";
    throw new GuardrailError(
      config.name,
      "unavailable",
      `Guardrail '${config.name}' ${why}; the request is refused (fail closed).`,
    );
  } finally {
    clearTimeout(timer);
  }
}
