import { invalidRequest } from "../errors/gateway-error.js";
import type { PromptEstimate } from "../estimate/token-estimate.js";
import type { UnaryOperation } from "../operations/operation-gateway.js";
import type { RerankRequest, RerankResult } from "./rerank-types.js";

/**
 * Documented caps of one rerank request (docs/other-endpoints.md): at most 1,000 documents (Cohere's, Voyage's and
 * Bedrock's limit), `top_n` within them, `max_tokens_per_doc` at most 32,768. The body size cap bounds the text.
 */
export const MAX_RERANK_DOCUMENTS = 1000;
export const MAX_TOKENS_PER_DOC = 32_768;

/** The checks no edge may skip; each failure a 400 naming the field. */
export function validateRerankRequest(request: RerankRequest): void {
  if (request.query.length === 0) throw invalidRequest("'query' must not be empty.", "query");
  const count = request.documents.length;
  if (count === 0) throw invalidRequest("'documents' must not be empty.", "documents");
  if (count > MAX_RERANK_DOCUMENTS) {
    throw invalidRequest(
      `'documents' has ${count} entries; at most ${MAX_RERANK_DOCUMENTS} are allowed in one request.`,
      "documents",
    );
  }
  request.documents.forEach((document, index) => {
    if (document.length === 0)
      throw invalidRequest(`'documents[${index}]' must not be empty.`, `documents[${index}]`);
  });
  const topN = request.topN;
  if (topN !== undefined && (!Number.isInteger(topN) || topN < 1 || topN > count)) {
    throw invalidRequest(`'top_n' must be an integer from 1 to the number of documents (${count}).`, "top_n");
  }
  const perDoc = request.maxTokensPerDoc;
  if (perDoc !== undefined && (!Number.isInteger(perDoc) || perDoc < 1 || perDoc > MAX_TOKENS_PER_DOC)) {
    throw invalidRequest(
      `'max_tokens_per_doc' must be an integer from 1 to ${MAX_TOKENS_PER_DOC}.`,
      "max_tokens_per_doc",
    );
  }
}

/**
 * The prompt estimate of a rerank request on chat's rules (UTF-8 bytes ÷ 4 typical, bytes the upper bound): a
 * reranker reads the query once per document, so the query counts once per document.
 */
export function estimateRerankPrompt(request: RerankRequest): PromptEstimate {
  const query = Buffer.byteLength(request.query, "utf8");
  let bytes = 0;
  for (const document of request.documents) bytes += Buffer.byteLength(document, "utf8") + query;
  const count = request.documents.length;
  return { tokens: Math.ceil(bytes / 4) + count, upperBound: bytes + 2 * count + 16 };
}

/** Rerank as a unary operation; `serves` and `attempt` come from the providers (injected by app.ts). */
export function rerankOperation(
  serves: UnaryOperation<RerankRequest, RerankResult>["serves"],
  attempt: UnaryOperation<RerankRequest, RerankResult>["attempt"],
): UnaryOperation<RerankRequest, RerankResult> {
  return {
    name: "rerank",
    validate: validateRerankRequest,
    serves,
    attempt,
    estimate: estimateRerankPrompt,
    meteringView: (request) => ({
      model: request.model,
      messages: [
        { role: "user", content: request.query },
        ...request.documents.map((text) => ({ role: "user" as const, content: text })),
      ],
      maxTokens: 0,
      ...(request.user !== undefined ? { user: request.user } : {}),
    }),
    reportedTokens: (result) => result.promptTokens,
  };
}
