import type { ChatEvent, ChatRequest, ChatResponse } from "../types/chat.js";
import type { Principal } from "../types/principal.js";
import type { RoutingInfo } from "../types/routing.js";

/** Per-request facts the edges hand to the core. */
export interface ChatContext {
  requestId: string;
  principal: Principal;
  /** Aborts when the caller disconnects, cancels or its deadline passes. */
  signal: AbortSignal;
  /** The caller's absolute deadline (gRPC/Connect timeout), epoch ms; bounds all attempts together. */
  deadline?: number;
}

/** A stream whose first batch has arrived from the deployment that serves it; no retry from here on. */
export interface CommittedStream {
  routing: RoutingInfo;
  events: AsyncIterable<ChatEvent[]>;
}

/** What the router must give the core. */
export interface Dispatcher {
  complete(
    request: ChatRequest,
    context: ChatContext,
  ): Promise<{ response: ChatResponse; routing: RoutingInfo }>;
  stream(request: ChatRequest, context: ChatContext): Promise<CommittedStream>;
  /** Every model name callers may use (groups, aliases, wildcard patterns), with what is known of each. */
  listModels(): ModelDescriptor[];
  /** True when `model` names something this gateway serves (group, alias or a wildcard match). */
  hasModel(model: string): boolean;
}

export interface ModelDescriptor {
  id: string;
  provider: string;
  deployments: number;
  capabilities: string[];
  maxInputTokens?: number;
  maxOutputTokens?: number;
}
