import type { EmbedRequest, EmbedResult } from "../embeddings/embed-types.js";
import type { EmbeddingAdapter } from "../embeddings/embedding-adapter.js";
import type { GatewayError } from "../errors/gateway-error.js";
import type { ModerationRequest, ModerationResult } from "../moderations/moderation-types.js";
import type { OperationAdapter } from "../operations/operation-adapter.js";
import type { RerankRequest, RerankResult } from "../rerank/rerank-types.js";
import type { ChatEvent, ChatRequest, ChatResponse } from "./chat.js";
import type { Deployment, DeploymentParams } from "./deployment.js";

/**
 * A provider is pure translation: build the upstream request, parse a response, turn upstream stream messages
 * into ChatEvents, parse an error. Only `providers/shared/execute.ts` does upstream I/O.
 */

/** What a provider can do; the contract suite runs the scenarios a provider declares and skips the rest by name. */
export type Capability =
  | "streaming"
  | "tools"
  | "parallel_tools"
  | "vision"
  | "json_schema"
  | "json_object"
  | "reasoning"
  | "logprobs"
  | "n";

export interface UpstreamRequest {
  url: string;
  method: "POST" | "GET";
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** Everything a translator needs besides the request. */
export interface ProviderCallContext {
  deployment: Deployment;
  stream: boolean;
  /** Request id, for providers that take one (and for error messages). */
  requestId: string;
  /** Headers the gateway adds to the upstream call (W3C trace context); never replaces one the provider set. */
  upstreamHeaders?: Readonly<Record<string, string>> | undefined;
}

/** How the upstream frames a streaming body. */
export type StreamFraming = "sse" | "ndjson" | "aws-event-stream";

/**
 * One framed upstream stream message: an SSE event (`event` name and joined `data`), an NDJSON line, or an AWS
 * event-stream message (headers and JSON payload text).
 */
export interface UpstreamMessage {
  event?: string;
  data: string;
  headers?: Record<string, string>;
}

/**
 * Decodes one upstream stream, message by message. Stateful (tool-call indexes, open blocks), so one per stream.
 * Each call returns the events of that message as one batch (possibly empty), which the edges keep together so
 * that one upstream chunk becomes one downstream chunk. It throws a GatewayError for an in-stream error.
 */
export interface StreamDecoder {
  decode(message: UpstreamMessage): ChatEvent[];
  /** The upstream body ended: flush and close what is open (finish events, usage). */
  end(): ChatEvent[];
  /** True once the upstream said the stream is complete (e.g. `[DONE]`, `message_stop`). */
  readonly done?: boolean;
}

/**
 * The environment variables a provider reads, LiteLLM's names first (OPENAI_API_KEY, AZURE_API_BASE, …), declared
 * in the provider's own index.ts. Config reads them through the registry (credentials for deployments that name
 * none, the embedded default); nothing outside the provider's folder spells them.
 */
export interface ProviderEnvironment {
  /** Variables holding the API key, first set wins. */
  readonly apiKey: readonly string[];
  /** Variables that override the default base URL, first set wins. */
  readonly apiBase: readonly string[];
  /** Variables holding the API version (Azure), first set wins. */
  readonly apiVersion?: readonly string[];
  /** Every other variable the provider reads itself when a request is built (regions, session or AD tokens). */
  readonly other?: readonly string[];
  /**
   * Whether the environment alone serves `<id>/*` when there is no config file: `"api-key"` when a set key
   * variable is enough; a function for a credential that is more than a key (Bedrock); absent for providers that
   * need a configured deployment (Azure resources, Vertex projects, local servers).
   */
  readonly discovery?:
    | "api-key"
    | ((env: Readonly<Record<string, string | undefined>>) => EnvironmentDiscovery | undefined);
}

/** What the environment gave a provider's wildcard deployment, or why it gave nothing. */
export type EnvironmentDiscovery = { params: DeploymentParams } | { warning: string };

/** What a provider declares about itself besides its translators; config and usage read it through the registry. */
export interface ProviderDeclaration {
  /** The `litellm_params.model` prefix (`openai/gpt-4o` → "openai"). */
  readonly id: string;
  readonly capabilities: readonly Capability[];
  readonly environment?: ProviderEnvironment;
  /** Providers whose price-file and catalog names bill this one's models (Azure → openai, Vertex → gemini). */
  readonly priceFamily?: readonly string[];
}

export interface HttpProviderAdapter extends ProviderDeclaration {
  readonly kind: "http";
  readonly framing: StreamFraming;
  /** May be async for credentials that need a fetch or signing (Vertex OAuth, SigV4). */
  buildRequest(
    request: ChatRequest,
    context: ProviderCallContext,
  ): UpstreamRequest | Promise<UpstreamRequest>;
  parseResponse(body: unknown, context: ProviderCallContext): ChatResponse;
  createStreamDecoder(request: ChatRequest, context: ProviderCallContext): StreamDecoder;
  /** Maps a non-2xx upstream answer to our error kinds (by the provider's error type, not by status alone). */
  parseError(
    status: number,
    bodyText: string,
    headers: Record<string, string | string[] | undefined>,
  ): GatewayError;
  // --- embeddings (issue 14) ---
  /** The provider's embeddings API; absent: the provider has none (a request for it is a 400 naming the model). */
  readonly embeddings?: EmbeddingAdapter;
  /**
   * The provider's legacy text-completions API (`/completions`), the same adapter shape as chat: a request with
   * `textCompletion` is built, parsed and decoded by it. Absent: the provider has none (a 400 naming the model).
   */
  readonly completions?: HttpProviderAdapter;
  /** The provider's rerank API (`/v1/rerank` of the gateway); absent: none (a 400 naming the model). */
  readonly rerank?: OperationAdapter<RerankRequest, RerankResult>;
  /** The provider's moderations API (`/v1/moderations` of the gateway); absent: none (a 400 naming the model). */
  readonly moderations?: OperationAdapter<ModerationRequest, ModerationResult>;
}

/** A provider answered inside the process (the mock provider). */
export interface LocalProviderAdapter extends ProviderDeclaration {
  readonly kind: "local";
  complete(request: ChatRequest, context: ProviderCallContext, signal: AbortSignal): Promise<ChatResponse>;
  stream(request: ChatRequest, context: ProviderCallContext, signal: AbortSignal): AsyncIterable<ChatEvent[]>;
}

export type ProviderAdapter = HttpProviderAdapter | LocalProviderAdapter;

/** Per-attempt limits. Every one has a safe default (GUARDS 13). */
export interface AttemptLimits {
  /** TCP/TLS connect. */
  connectTimeoutMs: number;
  /** Unary: time to response headers. Streams: time to the first decoded event (time to first token). */
  firstByteTimeoutMs: number;
  /** Longest silence between two body reads. */
  idleTimeoutMs: number;
  /** The whole attempt, body included. */
  totalTimeoutMs: number;
  /** Largest unary response or error body we read. */
  maxResponseBytes: number;
}

export const DEFAULT_ATTEMPT_LIMITS: AttemptLimits = {
  connectTimeoutMs: 10_000,
  firstByteTimeoutMs: 120_000,
  idleTimeoutMs: 120_000,
  totalTimeoutMs: 600_000,
  maxResponseBytes: 32 * 1024 * 1024,
};

/** A stream whose first batch has arrived: from here on the attempt is committed (no retry, no fallback). */
export interface UpstreamEventStream {
  readonly first: ChatEvent[];
  readonly rest: AsyncIterator<ChatEvent[]>;
  /** Aborts the upstream request (client left, or the consumer stopped early). */
  abort(): void;
}

/**
 * Runs one attempt against one deployment. Implemented by providers/ (adapter + executor), called by the router,
 * typed here so that the router and the core never import providers.
 */
export interface AttemptInvoker {
  complete(
    deployment: Deployment,
    request: ChatRequest,
    requestId: string,
    signal: AbortSignal,
    limits: AttemptLimits,
    upstreamHeaders?: Readonly<Record<string, string>>,
  ): Promise<ChatResponse>;
  stream(
    deployment: Deployment,
    request: ChatRequest,
    requestId: string,
    signal: AbortSignal,
    limits: AttemptLimits,
    upstreamHeaders?: Readonly<Record<string, string>>,
  ): Promise<UpstreamEventStream>;
  /** One embeddings attempt (split into the provider's per-call batches); absent: no embeddings in this build. */
  embed?(
    deployment: Deployment,
    request: EmbedRequest,
    requestId: string,
    signal: AbortSignal,
    limits: AttemptLimits,
  ): Promise<EmbedResult>;
}
