import type { ProviderOptions, RequestRouting } from "../types/chat.js";

/**
 * The canonical embeddings types: what both edges (REST `/v1/embeddings`, the Embeddings service) translate into
 * and what every provider's embedding translator translates from. Close to OpenAI's embeddings model, because
 * that is what callers speak; provider-only knobs (Cohere `input_type`, Gemini `task_type`) travel in
 * `providerOptions`.
 */

/** The inputs of one request: texts, or token-id arrays (OpenAI's `int[]` / `int[][]`). Never mixed. */
export type EmbedInput =
  | { readonly kind: "text"; readonly texts: readonly string[] }
  | { readonly kind: "tokens"; readonly tokens: readonly (readonly number[])[] };

/** How the caller wants vectors rendered. Only an edge renders; providers may use it to pick the upstream's. */
export type VectorEncoding = "float" | "base64";

export interface EmbedRequest {
  /** Model as the caller named it (an alias, a model group, or `provider/model`). */
  model: string;
  input: EmbedInput;
  /** Output size, for models that can shorten their vectors (text-embedding-3, Gemini, Titan v2, Cohere v4…). */
  dimensions?: number;
  /**
   * What the caller asked for (undefined: floats). A provider that can send base64 itself (OpenAI) is asked for
   * what the caller wants, so the bytes pass through; every other provider's floats are encoded at the edge.
   */
  encodingFormat?: VectorEncoding;
  /** The end user, for usage rows; sent to providers that have a field for it (OpenAI's `user`). */
  user?: string;
  /** Provider-specific knobs, read by the provider's embedding translator (flat or namespaced by provider id). */
  providerOptions?: ProviderOptions;
  dropParams?: boolean;
  routing?: RequestRouting;
}

/**
 * One vector. Float32Array when the upstream sent base64 (its bytes are kept and re-encoded without loss);
 * plain numbers when it sent JSON numbers (kept as sent, so `float` output repeats the upstream's digits).
 */
export type Vector = Float32Array | readonly number[];

export interface EmbedUsage {
  promptTokens: number;
  totalTokens: number;
  /** True when the provider reported no usage and the gateway counted the tokens itself. */
  estimated?: boolean;
  /** Cost in US dollars when known; undefined when the model is unpriced. */
  costUsd?: number;
}

export interface EmbedResult {
  /** The model that answered, as the upstream named it (or the deployment's model). */
  model: string;
  /** One vector per input, in input order. */
  vectors: Vector[];
  /** Usage summed over every upstream call; undefined when the provider reported none. */
  usage: EmbedUsage | undefined;
}

/** Number of inputs of a request. */
export function inputCount(input: EmbedInput): number {
  return input.kind === "text" ? input.texts.length : input.tokens.length;
}

/** The inputs from `start` (inclusive) to `end` (exclusive), as a request input of the same kind. */
export function sliceInput(input: EmbedInput, start: number, end: number): EmbedInput {
  return input.kind === "text"
    ? { kind: "text", texts: input.texts.slice(start, end) }
    : { kind: "tokens", tokens: input.tokens.slice(start, end) };
}
