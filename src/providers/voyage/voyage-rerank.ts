import type { OperationAdapter } from "../../core/operations/operation-adapter.js";
import type { RerankRequest, RerankResult } from "../../core/rerank/rerank-types.js";
import { baseUrl, resolveApiKey } from "../shared/api-key.js";
import { asNumber, asObject } from "../shared/json.js";
import { readProviderOption } from "../shared/provider-options.js";
import { readRerankResults, rerankProtocolError } from "../shared/rerank-results.js";
import { parseVoyageError } from "./voyage-error.js";

/**
 * The Voyage `/v1/rerank` body: `top_k` is Voyage's name for `top_n`; documents are never echoed (the edge
 * renders them from the request). Option: `truncation` (Voyage's default, true, when absent).
 */
export function convertToVoyageRerankBody(request: RerankRequest, model: string): Record<string, unknown> {
  const body: Record<string, unknown> = { query: request.query, documents: request.documents, model };
  if (request.topN !== undefined) body["top_k"] = request.topN;
  const truncation = readProviderOption(request.providerOptions, ["voyage"], ["truncation"]);
  if (truncation !== undefined) body["truncation"] = truncation;
  body["return_documents"] = false;
  return body;
}

/** `{object:"list", data:[{relevance_score, index}], model, usage:{total_tokens}}` (voyage/rerank.json). */
export function parseVoyageRerankResponse(body: unknown, count: number): RerankResult {
  const root = asObject(body);
  if (root === undefined) throw rerankProtocolError("voyage", "not an object");
  const tokens = asNumber(asObject(root["usage"])?.["total_tokens"]);
  return {
    results: readRerankResults("voyage", root["data"], "relevance_score", count),
    ...(tokens !== undefined ? { promptTokens: tokens } : {}),
  };
}

/** Voyage AI rerank (`POST /v1/rerank`). */
export function createVoyageRerank(
  envNames: readonly string[],
): OperationAdapter<RerankRequest, RerankResult> {
  return {
    options: ["truncation"],
    buildRequest(request, context) {
      const deployment = context.deployment;
      const key = resolveApiKey(deployment, "voyage", envNames);
      return {
        url: `${baseUrl(deployment, "https://api.voyageai.com/v1")}/rerank`,
        method: "POST",
        headers: {
          ...deployment.params.extraHeaders,
          "content-type": "application/json",
          accept: "application/json",
          authorization: `Bearer ${key}`,
        },
        body: JSON.stringify(convertToVoyageRerankBody(request, deployment.model)),
      };
    },
    parseResponse: (body, context) => parseVoyageRerankResponse(body, context.request.documents.length),
    parseError: parseVoyageError,
  };
}
