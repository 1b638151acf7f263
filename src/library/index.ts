/**
 * Switchboard as a library: the proxy's core, in-process. `completion()` for one call to any provider,
 * `Router` for groups of deployments with retries and fallbacks, typed errors, and the cost of every call.
 */
export { closeCompletions, completion, costOf, embedding } from "./completion.js";
export {
  AbortedError,
  APIConnectionError,
  AuthenticationError,
  BadRequestError,
  ContentPolicyViolationError,
  ContextWindowExceededError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServiceUnavailableError,
  SwitchboardError,
  TimeoutError,
} from "./errors.js";
export { type ModelListEntry, Router, type RouterInit } from "./router.js";
export type { CompletionStream } from "./stream.js";
export type {
  CallOptions,
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionMessage,
  ChatMessage,
  CompletionParams,
  CompletionRequest,
  CompletionUsage,
  ContentPart,
  EmbeddingParams,
  EmbeddingRequest,
  EmbeddingResponse,
  EmbeddingUsage,
  Role,
  Tool,
  ToolCall,
  ToolChoice,
  UsageCallback,
  UsageReport,
} from "./types.js";
