import type { TextCompletion } from "../completions/text-completion.js";

/**
 * The canonical chat types: what both edges (REST, Connect) translate into and what every provider translates
 * from. They are transport-neutral and close to OpenAI's Chat Completions model, because that is the vocabulary
 * most callers already speak; provider-specific knobs travel in `providerOptions`.
 */

import type { CacheDirectives } from "../chat/response-cache.js";

export type Role = "system" | "developer" | "user" | "assistant" | "tool";

/** Provider-specific extras attached to a message, part or tool (e.g. Anthropic `cache_control`). */
export type ProviderOptions = Record<string, unknown>;

export type ImageDetail = "low" | "high" | "auto";

export interface TextPart {
  type: "text";
  text: string;
  providerOptions?: ProviderOptions;
}

export interface ImagePart {
  type: "image";
  /** An http(s) URL or a data: URL. Exactly one of `url` and `data` is set. */
  url?: string;
  /** Raw bytes; `mediaType` names them. */
  data?: Uint8Array;
  mediaType?: string;
  detail?: ImageDetail;
  providerOptions?: ProviderOptions;
}

export interface FilePart {
  type: "file";
  /** A provider file id or URI (Gemini file URI, OpenAI file id). */
  fileId?: string;
  /** Inline data as base64 or raw bytes. */
  data?: Uint8Array;
  mediaType?: string;
  filename?: string;
  providerOptions?: ProviderOptions;
}

export interface AudioPart {
  type: "audio";
  data: Uint8Array;
  format: string;
  providerOptions?: ProviderOptions;
}

export type ContentPart = TextPart | ImagePart | FilePart | AudioPart;

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text exactly as the model produced it; `"{}"` for a call without arguments. */
  arguments: string;
  /** Provider-opaque data that must come back on the next turn (e.g. Gemini `thoughtSignature`). */
  providerOptions?: ProviderOptions;
}

export interface ReasoningPart {
  text?: string;
  signature?: string;
  /** Encrypted reasoning (Anthropic `redacted_thinking`, Bedrock redacted content). */
  redactedData?: string;
}

export interface Message {
  role: Role;
  /** A plain string or parts; tool messages carry the tool's result here. */
  content: string | ContentPart[] | null;
  name?: string;
  /** Assistant turns only. */
  toolCalls?: ToolCall[];
  /** Tool turns only: the call this answers. */
  toolCallId?: string;
  /** Assistant turns only: reasoning returned earlier, sent back so the provider can continue. */
  reasoning?: ReasoningPart[];
  refusal?: string | null;
  providerOptions?: ProviderOptions;
}

export interface FunctionTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters?: Record<string, unknown>;
  strict?: boolean;
  providerOptions?: ProviderOptions;
}

export type ToolChoice =
  | { type: "auto" }
  | { type: "none" }
  | { type: "required" }
  | { type: "function"; name: string };

export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | {
      type: "json_schema";
      name: string;
      description?: string;
      schema: Record<string, unknown>;
      strict?: boolean;
    };

export type ReasoningEffort = "none" | "minimal" | "low" | "medium" | "high";

/**
 * One chat request. Optional fields that are absent were not set by the caller and must not be sent upstream
 * (providers differ in their defaults, and we keep theirs).
 */
export interface ChatRequest {
  /** Model as the caller named it (an alias, a model group, or `provider/model`). */
  model: string;
  messages: Message[];
  tools?: FunctionTool[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  reasoningEffort?: ReasoningEffort;
  reasoningBudgetTokens?: number;
  /**
   * The model decides whether and how much to reason (Anthropic's adaptive thinking). Providers without such a
   * mode use their default; an effort or budget, when also set, wins.
   */
  adaptiveReasoning?: boolean;
  temperature?: number;
  topP?: number;
  topK?: number;
  /** OpenAI's `max_tokens` / `max_completion_tokens`, whichever the caller sent (the latter wins). */
  maxTokens?: number;
  /** Which of the two OpenAI names the caller used, so OpenAI-compatible upstreams get the same one. */
  maxTokensField?: "max_tokens" | "max_completion_tokens";
  presencePenalty?: number;
  frequencyPenalty?: number;
  stop?: string[];
  seed?: number;
  n?: number;
  user?: string;
  metadata?: Record<string, string>;
  logprobs?: boolean;
  topLogprobs?: number;
  logitBias?: Record<string, number>;
  /** REST `stream_options.include_usage`: the caller wants the usage chunk in the REST stream. */
  includeUsage?: boolean;
  /** Provider-specific knobs, merged into the upstream body by the provider's translator. */
  providerOptions?: ProviderOptions;
  /**
   * Fields the caller sent that we do not model. OpenAI-compatible upstreams receive them unchanged; other
   * providers reject them with a 400 naming the field unless `dropParams` is set.
   */
  passthrough?: Record<string, unknown>;
  /** Drop parameters the target provider cannot take instead of rejecting the request. */
  dropParams?: boolean;
  /** Extra headers for the upstream (e.g. `anthropic-beta`), already filtered to a safe allow-list. */
  upstreamHeaders?: Record<string, string>;
  /** Per-request routing overrides (LiteLLM's request-body `fallbacks`, `timeout`); the router decides what it honours. */
  routing?: RequestRouting;
  /**
   * The caller's guardrail choices (the request body's `guardrails`): names to turn on, and names to turn off
   * where a guardrail allows it. Read by the gateway's guardrails; never sent upstream.
   */
  guardrails?: GuardrailSelection;
  /**
   * What only one provider's wire can carry, from an inbound dialect the canonical model does not cover (the
   * Anthropic Messages surface's top-level `cache_control`, `service_tier: "standard_only"`, betas).
   */
  nativeOnly?: NativeOnly;
  /** A legacy text completion (`/v1/completions`): served only by a provider's `completions` adapter. */
  textCompletion?: TextCompletion;
  /** Per-request response-cache controls (LiteLLM's `cache` body field); never sent upstream. */
  cache?: CacheDirectives;
}

/**
 * Values travel in `ChatRequest.providerOptions[provider]` (that provider merges them into its body); any other
 * provider refuses the request with a 400 naming the first of `params`, unless drop_params. `headers` reach that
 * provider only and are left out for any other (a beta flag means nothing to another API).
 */
export interface NativeOnly {
  /** The provider id (registry key) whose wire carries these, e.g. "anthropic". */
  provider: string;
  /** The caller's names of the fields only that provider can take, e.g. ["cache_control"]. */
  params: string[];
  headers?: Record<string, string>;
}

/** Guardrails a request turns on and off by name (docs/guardrails.md). */
export interface GuardrailSelection {
  enable: string[];
  disable: string[];
}

/** What a caller may ask of the router for one request. */
export interface RequestRouting {
  /** Model groups to fall back to, in order (honoured only when the config allows request fallbacks). */
  fallbacks?: string[];
  /** Per-attempt total timeout, ms; it can shorten the configured one, never lengthen it. */
  timeoutMs?: number;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "error";

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Prompt tokens read from the provider's cache (included in promptTokens). */
  cachedPromptTokens?: number;
  /** Prompt tokens written to the provider's cache (included in promptTokens). */
  cacheWriteTokens?: number;
  /** Completion tokens spent on reasoning (included in completionTokens). */
  reasoningTokens?: number;
  audioPromptTokens?: number;
  audioCompletionTokens?: number;
  acceptedPredictionTokens?: number;
  rejectedPredictionTokens?: number;
  /** Cost in US dollars when known; undefined when the model is unpriced. */
  costUsd?: number;
  /**
   * Set when the gateway estimated these counts because the provider reported none (bounded by what the request
   * could produce); the ledger row says the same.
   */
  estimated?: boolean;
}

export interface TopLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
}

export interface TokenLogprob extends TopLogprob {
  topLogprobs: TopLogprob[];
}

export interface ChoiceLogprobs {
  content: TokenLogprob[] | null;
  refusal?: TokenLogprob[] | null;
}

export interface Choice {
  index: number;
  message: {
    content: string | null;
    toolCalls?: ToolCall[];
    reasoning?: ReasoningPart[];
    refusal?: string | null;
    /** OpenAI `annotations` and similar response-only extras, passed through unchanged. */
    annotations?: unknown[];
  };
  finishReason: FinishReason | null;
  /** The provider's own finish reason, unnormalised. */
  providerFinishReason?: string;
  /** The stop sequence that ended the generation, where the provider says which (Anthropic's `stop_sequence`). */
  stopSequence?: string;
  logprobs?: ChoiceLogprobs | null;
}

export interface ChatResponse {
  id: string;
  /** The model that actually answered, as the provider names it. */
  model: string;
  created: number;
  choices: Choice[];
  usage?: Usage;
  systemFingerprint?: string | null;
  serviceTier?: string | null;
}

/** Stream events. Names are noun-action. One upstream message decodes to a batch of these, kept together. */
export type ChatEvent =
  | {
      type: "response-start";
      id: string;
      model: string;
      created: number;
      systemFingerprint?: string | null;
      serviceTier?: string | null;
    }
  | { type: "text-delta"; choice: number; text: string }
  | { type: "refusal-delta"; choice: number; text: string }
  | { type: "reasoning-delta"; choice: number; text?: string; signature?: string; redactedData?: string }
  | {
      type: "tool-call-start";
      choice: number;
      index: number;
      id: string;
      name: string;
      providerOptions?: ProviderOptions;
    }
  | { type: "tool-call-delta"; choice: number; index: number; argumentsDelta: string }
  | { type: "tool-call-end"; choice: number; index: number }
  | { type: "logprobs"; choice: number; content: TokenLogprob[] | null; refusal?: TokenLogprob[] | null }
  | { type: "finish"; choice: number; reason: FinishReason; providerReason?: string; stopSequence?: string }
  | { type: "usage"; usage: Usage };

export type ChatEventType = ChatEvent["type"];
