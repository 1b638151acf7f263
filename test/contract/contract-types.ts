/**
 * The vocabulary of the provider contract suite: scenarios, what a provider case supplies for each (the recorded
 * replies its fake upstream serves and what the caller must then see), and a provider-neutral view of the
 * request the gateway sent upstream, so that one set of assertions covers every wire format.
 */
import type { FinishReason } from "../../src/core/types/chat.js";
import type { Deployment } from "../../src/core/types/deployment.js";
import type { Capability } from "../../src/core/types/provider.js";
import type { FakeReply, SeenRequest } from "./fake-upstream.js";

export const SCENARIOS = [
  "simple",
  "streamed",
  "usage_in_stream",
  "tools_single",
  "tools_parallel",
  "tools_no_args",
  "tool_round_trip",
  "vision",
  "json_schema",
  "reasoning_round_trip",
  "error_bad_request",
  "error_upstream_auth",
  "error_not_found",
  "error_rate_limited",
  "error_overloaded",
  "error_in_stream",
  "client_abort",
] as const;

export type Scenario = (typeof SCENARIOS)[number];

/** The capability a scenario needs; scenarios without one run for every provider. */
export const REQUIRES: Partial<Record<Scenario, Capability>> = {
  streamed: "streaming",
  usage_in_stream: "streaming",
  tools_single: "tools",
  tools_parallel: "parallel_tools",
  tools_no_args: "tools",
  tool_round_trip: "tools",
  vision: "vision",
  json_schema: "json_schema",
  reasoning_round_trip: "reasoning",
  error_in_stream: "streaming",
  client_abort: "streaming",
};

export interface ToolDeclaration {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

/** What the caller must see. Absent fields are not checked; present ones are checked on both surfaces. */
export interface Expectation {
  text?: string;
  textIncludes?: string;
  finish?: FinishReason;
  usage?: { prompt: number; completion: number; reasoning?: number; cached?: number };
  /** In order; `arguments` is compared as parsed JSON. */
  toolCalls?: { name: string; arguments?: unknown }[];
  /**
   * The first turn returns reasoning text (and a signature when `signature` is true); `sentBack` says what the
   * provider's wire carries on the next turn (Anthropic: the text and its signature; Gemini: the signature only).
   */
  reasoning?: { textIncludes: string; signature: boolean; sentBack: "text-and-signature" | "signature" };
  /** The first turn's tool calls carry provider data (Gemini `thoughtSignature`) that must come back. */
  toolCallSignatures?: boolean;
  /** 429: the seconds the caller is told to wait (REST `retry-after`, Connect `retry-after-ms`/ErrorDetail). */
  retryAfterSeconds?: number;
}

/**
 * How a scenario runs against a provider: the replies its fake upstream serves, in order (a round trip takes
 * two), the model the caller names (defaults to the case's model group), tools to declare, and expectations.
 */
export interface ScenarioPlan {
  replies: FakeReply[];
  /** The caller-side model name (the mock provider picks its behaviour by name). */
  model?: string;
  /** Whether the first call streams; defaults to the scenario's natural mode. */
  stream?: boolean;
  tools?: ToolDeclaration[];
  expect?: Expectation;
  /** Second turn of a round trip. */
  followUp?: { stream?: boolean; expect?: Expectation };
  /** Vision: which image sources to send (default both; Ollama takes bytes only). */
  imageSources?: ("url" | "data")[];
  /** A provider-specific reason why part of the scenario cannot be checked, stated in the test output. */
  limitation?: string;
}

/** One assistant tool call as the provider encodes it, read back from the upstream request. */
export interface WireToolCall {
  id?: string;
  name: string;
  arguments: unknown;
  /** Opaque provider data that had to come back (Gemini `thoughtSignature`). */
  signature?: string;
}

/** The provider-neutral reading of one upstream request body. */
export interface WireView {
  /** Declared tool names (forced JSON-output tools included). */
  tools: string[];
  toolCalls: WireToolCall[];
  toolResults: { id?: string; name?: string; content: string }[];
  images: { url?: string; base64?: string; mediaType?: string }[];
  reasoning: { text?: string; signature?: string; redacted?: string }[];
  /** The JSON schema sent for structured output, wherever the provider carries it. */
  jsonSchema?: unknown;
  /** Text of every user turn, in order. */
  userTexts: string[];
  /** The request asks the model to reason (OpenAI `reasoning_effort`, Anthropic `thinking`, Gemini `thinkingConfig`). */
  reasoningRequested: boolean;
}

/**
 * One provider in the suite. Adding a provider = one of these in `providerCases`: its deployment, its fake
 * upstream's replies per scenario (from recordings), and a reader of its wire format. Its capabilities are the
 * ones its adapter declares in the registry, so the suite checks exactly what the provider claims.
 */
export interface ProviderCase {
  /** Registry id (the prefix of `litellm_params.model`). */
  provider: string;
  /** Upstream model of the deployment. */
  model: string;
  /** `remote`: an HTTP adapter behind a fake upstream; `local`: answers in-process (mock), nothing to observe. */
  upstream: "remote" | "local";
  /** Deployment parameters given the fake upstream's URL (api_base, api_key, provider extras). */
  deployment(upstreamUrl: string): Deployment["params"];
  /** Fixed routes of the fake upstream besides the scenario replies (e.g. an OAuth token endpoint). */
  fixedRoutes?: Record<string, (request: SeenRequest) => FakeReply>;
  /** Per scenario; a scenario the provider declares but has no plan for fails (it is never skipped silently). */
  plans: Partial<Record<Scenario, ScenarioPlan>>;
  /** Reads an upstream request body into the neutral view (remote providers). */
  read?(body: unknown): WireView;
  /** Structural checks every upstream request must pass (a provider would reject it otherwise). */
  validateRequest?(request: SeenRequest): void;
}
