/**
 * The two ways a caller reaches the gateway, behind one interface: a scenario builds one neutral request, each
 * surface sends it with its real client (the official `openai` SDK; the typed Connect client) and returns what
 * the caller saw, after surface-specific checks (OpenAI schemas; typed event order).
 */
import type { ToolDeclaration } from "./contract-types.js";

export interface OutcomeToolCall {
  id: string;
  name: string;
  arguments: string;
  /** Provider data the caller must send back with the call (REST `provider_specific_fields`). */
  providerOptions?: Record<string, unknown>;
}

export interface OutcomeReasoning {
  text?: string;
  signature?: string;
  redactedData?: string;
}

export interface NeutralMessage {
  role: "system" | "user" | "assistant" | "tool";
  text?: string;
  imageUrls?: string[];
  toolCalls?: OutcomeToolCall[];
  toolCallId?: string;
  reasoning?: OutcomeReasoning[];
}

export interface NeutralRequest {
  model: string;
  messages: NeutralMessage[];
  stream: boolean;
  tools?: ToolDeclaration[];
  responseFormat?: { name: string; schema: Record<string, unknown> };
  reasoningEffort?: "low";
  /** REST `stream_options.include_usage` (the Connect stream always ends with usage). */
  includeUsage?: boolean;
}

export interface OutcomeUsage {
  prompt: number;
  completion: number;
  total: number;
  reasoning?: number;
  cached?: number;
}

/** What the caller saw, the same shape for both surfaces. */
export interface Outcome {
  text: string;
  reasoning: OutcomeReasoning[];
  toolCalls: OutcomeToolCall[];
  finish: string | null;
  usage?: OutcomeUsage;
  /** Provider that served it, from routing headers (REST) or the routing event/field (Connect). */
  provider: string;
}

/** Error classes a caller can tell apart; each surface maps them to its own status or code. */
export type ErrorClass = "bad_request" | "upstream_auth" | "not_found" | "rate_limited" | "unavailable";

export interface StreamHooks {
  /** Called once, when the first text or reasoning arrives (abort tests stop here). */
  onFirstContent?: () => void;
  signal?: AbortSignal;
}

export interface Surface {
  readonly name: "rest" | "connect";
  send(request: NeutralRequest, hooks?: StreamHooks): Promise<Outcome>;
  /**
   * Asserts that the request fails with this class before any byte (status/code, error body or detail, retry hint).
   * Returns the text received before the failure for in-stream errors.
   */
  expectError(request: NeutralRequest, errorClass: ErrorClass, retryAfterSeconds?: number): Promise<void>;
  /** Asserts that a committed stream ends with one error after some content, and that content arrived first. */
  expectInStreamError(request: NeutralRequest): Promise<string>;
  /** Starts a stream, waits for the first content, aborts from the client side, returns when aborted. */
  abortAfterFirstContent(request: NeutralRequest): Promise<void>;
}

export function hasContent(outcome: { text: string; reasoning: OutcomeReasoning[] }): boolean {
  return outcome.text.length > 0 || outcome.reasoning.some((part) => (part.text ?? "").length > 0);
}
