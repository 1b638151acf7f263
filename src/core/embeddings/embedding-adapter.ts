import type { GatewayError } from "../errors/gateway-error.js";
import type { Deployment } from "../types/deployment.js";
import type { UpstreamRequest } from "../types/provider.js";
import type { EmbedInput, EmbedRequest, Vector } from "./embed-types.js";

/**
 * A provider's embeddings, declared as the `embeddings` property of its adapter (its `index.ts`): pure
 * translation like the chat adapter. The invoker splits a request into calls of at most `maxInputsPerCall`
 * inputs, builds, sends and parses each one, and re-assembles the vectors in input order.
 */
export interface EmbeddingAdapter {
  /** Inputs one upstream call may carry for this deployment (Gemini batch 100, Titan 1, Cohere 96…). */
  maxInputsPerCall(deployment: Deployment): number;
  /** Whether token-id inputs reach this upstream (only OpenAI's wire takes them; others get a 400 on `input`). */
  readonly acceptsTokens: boolean;
  /**
   * `providerOptions` keys this translator reads (flat, or under its namespace); any other key is a 400 naming
   * it, so a knob that would be ignored is never silently dropped.
   */
  readonly options: readonly string[];
  /**
   * Builds one upstream call for `input` (a slice of `request.input`). Throws a GatewayError (400 naming the
   * field) for what the provider cannot take: `dimensions` outside its sizes, token inputs, a bad option.
   */
  buildRequest(
    request: EmbedRequest,
    input: EmbedInput,
    context: EmbedCallContext,
  ): UpstreamRequest | Promise<UpstreamRequest>;
  /** Reads one upstream answer for `count` inputs; throws `upstream_protocol` when it is unreadable. */
  parseResponse(body: unknown, context: EmbedResponseContext): EmbedBatchResult;
  /** Maps a non-2xx answer; absent: the chat adapter's parseError. */
  parseError?(
    status: number,
    bodyText: string,
    headers: Record<string, string | string[] | undefined>,
  ): GatewayError;
}

export interface EmbedCallContext {
  deployment: Deployment;
  requestId: string;
}

export interface EmbedResponseContext extends EmbedCallContext {
  /** How many vectors the call must return. */
  count: number;
  /** Response headers (Bedrock Cohere reports usage only in `x-amzn-bedrock-input-token-count`). */
  headers: Record<string, string | string[] | undefined>;
}

/** One upstream call's vectors (in its input order) and usage, when the provider reported any. */
export interface EmbedBatchResult {
  vectors: Vector[];
  promptTokens: number | undefined;
  model?: string;
}
