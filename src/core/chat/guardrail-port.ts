import { GatewayError } from "../errors/gateway-error.js";
import type { ChatEvent, ChatRequest, ChatResponse } from "../types/chat.js";
import type { ChatContext } from "./dispatcher.js";

/**
 * The guardrail port: how the core asks "may this request go upstream, and in what form?" and "may this answer
 * reach the caller, and in what form?". The guardrails themselves (PII masking, secret detection, HTTP and custom
 * hooks) live in src/guardrails and are injected by app.ts, so every surface that goes through ChatGateway gets
 * them and the core imports nothing of them.
 *
 * Protocol: `plan` once per admitted request (it throws a GatewayError for a selection the caller may not make);
 * then `preCall` before the first upstream call (it may rewrite the request's text in place, e.g. masking),
 * `duringCall` alongside the upstream call (it can only block), and `postCall` on a unary answer or `streamGuard`
 * on a stream (they may rewrite generated text, or block). A block is a GatewayError of kind
 * `guardrail_violation` naming the guardrail and never the text that matched.
 */
export interface Guardrails {
  /** The guardrails that apply to this request, or undefined when none do (the common case costs nothing). */
  plan(request: ChatRequest, context: ChatContext): GuardrailRun | undefined;
}

/** The guardrails of one request, in the order they run. */
export interface GuardrailRun {
  /** Runs before any upstream call; may rewrite the request in place; throws on a block. */
  preCall(request: ChatRequest, signal: AbortSignal): Promise<void>;
  /** Runs while the upstream call is under way (absent when no during_call guardrail applies); throws on a block. */
  duringCall?: ((request: ChatRequest, signal: AbortSignal) => Promise<void>) | undefined;
  /** Checks a unary answer; may rewrite its text in place; throws on a block. */
  postCall(response: ChatResponse, request: ChatRequest, signal: AbortSignal): Promise<void>;
  /** A filter over a stream's batches (absent when no post_call guardrail applies). */
  streamGuard(request: ChatRequest, signal: AbortSignal): StreamGuard | undefined;
}

/**
 * One stream's post_call filter. It may hold back a bounded tail of text (so that a secret split across upstream
 * chunks is still masked) and releases it with the next batch or at the end; it throws a `guardrail_violation`
 * to end the stream with an error event (what was already sent cannot be recalled).
 */
export interface StreamGuard {
  push(batch: ChatEvent[]): Promise<ChatEvent[]>;
  /** Called once after the last upstream batch: what was held back, after the final checks. */
  end(): Promise<ChatEvent[]>;
}

/**
 * What a guardrail throws: a block (`guardrail_violation`), or a guardrail that could not decide and fails closed
 * (`unavailable`). It names the guardrail (the ledger records it) and never the text that matched.
 */
export class GuardrailError extends GatewayError {
  constructor(
    readonly guardrail: string,
    kind: "guardrail_violation" | "unavailable",
    message: string,
  ) {
    super(kind, message, {
      reason: kind === "guardrail_violation" ? "guardrail_violation" : "guardrail_unavailable",
    });
  }
}

/** A block: names the guardrail and what kind of thing it found, never the matched text. */
export function guardrailViolation(guardrail: string, what: string): GuardrailError {
  return new GuardrailError(
    guardrail,
    "guardrail_violation",
    `Blocked by guardrail '${guardrail}': ${what}.`,
  );
}
