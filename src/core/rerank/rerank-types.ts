import type { OperationRequest } from "../operations/operation-gateway.js";

/**
 * The canonical rerank types: what the REST edge (`/v1/rerank`, Cohere's v2 shape as LiteLLM serves it)
 * translates into and every provider's rerank translator translates from. Provider-only knobs (Voyage
 * `truncation`) travel in `providerOptions`.
 */
export interface RerankRequest extends OperationRequest {
  query: string;
  /** The documents to rank, as text; results name them by their position here. */
  documents: string[];
  /** How many results to return (the best first); absent: every document. */
  topN?: number;
  /** Longest document the provider reads, in tokens (Cohere's `max_tokens_per_doc`). */
  maxTokensPerDoc?: number;
  /** Echo each result's document text back (rendered by the edge from the request, never from the upstream). */
  returnDocuments?: boolean;
}

export interface RerankResultItem {
  /** Position of the document in the request's `documents`. */
  index: number;
  relevanceScore: number;
}

export interface RerankResult {
  /** The upstream's id when it gave one. */
  id?: string;
  /** Results sorted by relevance, best first (as the provider ranked them). */
  results: RerankResultItem[];
  /** Tokens the provider reported (Voyage, Together); undefined: none (Cohere bills search units, Bedrock nothing). */
  promptTokens?: number;
  /** Cohere's billed search units, when reported. */
  searchUnits?: number;
}
