/**
 * The library's public shapes: OpenAI's Chat Completions request and response, as LiteLLM's `completion()` takes
 * and returns them, plus the library's own call options (credentials, abort, usage callback).
 */

export type Role = "system" | "developer" | "user" | "assistant" | "tool";

export interface TextContentPart {
  type: "text";
  text: string;
}
export interface ImageContentPart {
  type: "image_url";
  image_url: { url: string; detail?: "low" | "high" | "auto" };
}
export type ContentPart =
  | TextContentPart
  | ImageContentPart
  | { type: "input_audio" | "file"; [key: string]: unknown };

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: Role;
  content?: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  reasoning_content?: string;
  thinking_blocks?: unknown[];
}

export interface Tool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export type ToolChoice = "none" | "auto" | "required" | { type: "function"; function: { name: string } };

/** What one finished call used and cost, given to `onUsage`. */
export interface UsageReport {
  /** The model (or model group) the call asked for. */
  model: string;
  /** The provider and upstream model that served it, and the deployment's id. */
  provider: string;
  upstreamModel: string;
  deployment: string;
  usage: CompletionUsage;
  /** US dollars; undefined when the model is not in the price table (never reported as zero). */
  cost: number | undefined;
  stream: boolean;
}

export type UsageCallback = (report: UsageReport) => void;

/** Options of one call that are not part of the request body. */
export interface CallOptions {
  /** Cancels the call; a stream in flight stops and its upstream request is aborted. */
  signal?: AbortSignal;
  /** Told the usage and cost of the call once it has finished (streams: when the stream ends). */
  onUsage?: UsageCallback;
  /** The provider's key for this call (default: the provider's standard environment variable). */
  api_key?: string;
  apiKey?: string;
  /** The provider's base URL for this call (default: `<PROVIDER>_API_BASE`, else the provider's own). */
  api_base?: string;
  apiBase?: string;
  api_version?: string;
  apiVersion?: string;
  /** The provider, when the model name carries no prefix and the catalog cannot tell it. */
  custom_llm_provider?: string;
  /** Per-attempt timeout, seconds. */
  timeout?: number;
  /** Retries on retryable errors (default 0 for `completion()`, the Router's setting for `router.completion()`). */
  num_retries?: number;
  numRetries?: number;
  /** Provider credentials beyond a key (Bedrock, Vertex, Azure Entra ID), LiteLLM's names. */
  aws_access_key_id?: string;
  aws_secret_access_key?: string;
  aws_session_token?: string;
  aws_region_name?: string;
  vertex_project?: string;
  vertex_location?: string;
  vertex_credentials?: string;
  azure_ad_token?: string;
}

export interface CompletionRequest {
  /** `provider/model`, or a bare name the model catalog knows (`gpt-4o`, `claude-sonnet-4-6`). */
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: Tool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[];
  n?: number;
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  logprobs?: boolean;
  top_logprobs?: number;
  response_format?:
    | { type: "text" | "json_object" }
    | {
        type: "json_schema";
        json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean };
      };
  reasoning_effort?: "none" | "minimal" | "low" | "medium" | "high";
  user?: string;
  metadata?: Record<string, string>;
  drop_params?: boolean;
}

export type CompletionParams = CompletionRequest & CallOptions;

/** OpenAI's `CreateEmbeddingRequest`, as LiteLLM's `embedding()` takes it. */
export interface EmbeddingRequest {
  /** `provider/model`, or a bare name the model catalog knows (`text-embedding-3-small`). */
  model: string;
  /** A string, an array of strings, an array of token ids, or an array of token-id arrays. */
  input: string | string[] | number[] | number[][];
  /** `float` (default in the library: plain number arrays) or `base64` (little-endian float32, as OpenAI sends it). */
  encoding_format?: "float" | "base64";
  dimensions?: number;
  user?: string;
  /** Cohere's and Voyage's `input_type` (`search_document`, `search_query`, …), LiteLLM's top-level spelling. */
  input_type?: string;
  drop_params?: boolean;
}

export type EmbeddingParams = EmbeddingRequest & CallOptions;

export interface EmbeddingUsage {
  prompt_tokens: number;
  total_tokens: number;
  /** US dollars, from the model catalog's prices (absent when the model is unpriced). */
  cost?: number;
}

/** OpenAI's `CreateEmbeddingResponse`: one vector per input, in the order of the inputs. */
export interface EmbeddingResponse {
  object: "list";
  data: { object: "embedding"; index: number; embedding: number[] | string }[];
  model: string;
  usage: EmbeddingUsage;
}

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; audio_tokens?: number; cache_creation_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number; audio_tokens?: number };
  /** US dollars, from the model catalog's prices (absent when the model is unpriced). */
  cost?: number;
}

export interface ChatCompletionMessage {
  role: "assistant";
  content: string | null;
  refusal: string | null;
  tool_calls?: ToolCall[];
  reasoning_content?: string;
  thinking_blocks?: unknown[];
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: {
    index: number;
    message: ChatCompletionMessage;
    logprobs: unknown;
    finish_reason: "stop" | "length" | "tool_calls" | "content_filter";
  }[];
  usage?: CompletionUsage;
  system_fingerprint?: string;
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: {
    index: number;
    delta: Partial<ChatCompletionMessage> & { tool_calls?: (Partial<ToolCall> & { index: number })[] };
    logprobs: unknown;
    finish_reason: "stop" | "length" | "tool_calls" | "content_filter" | null;
  }[];
  /** Present on the last chunk when `stream_options.include_usage` is set. */
  usage?: CompletionUsage | null;
}
