import type { OperationAdapter } from "../../core/operations/operation-adapter.js";
import type { RerankRequest, RerankResult } from "../../core/rerank/rerank-types.js";
import { baseUrl, resolveApiKey } from "../shared/api-key.js";
import { asNumber, asObject, asString } from "../shared/json.js";
import { readRerankResults, rerankProtocolError } from "../shared/rerank-results.js";
import { parseCohereError } from "./cohere-error.js";

/** The `/v2/rerank` body: the deployment's model, the query and documents as text, `top_n` and the doc cap if set. */
export function convertToCohereRerankBody(request: RerankRequest, model: string): Record<string, unknown> {
  const body: Record<string, unknown> = { model, query: request.query, documents: request.documents };
  if (request.topN !== undefined) body["top_n"] = request.topN;
  if (request.maxTokensPerDoc !== undefined) body["max_tokens_per_doc"] = request.maxTokensPerDoc;
  return body;
}

/**
 * `{id, results:[{index, relevance_score}], meta:{billed_units:{search_units}}}` (cohere/rerank-v2.json). Cohere
 * bills search units, not tokens: no token count is reported (the gateway estimates one, flagged) and the
 * search units are kept for the response's `meta`.
 */
export function parseCohereRerankResponse(body: unknown, count: number, provider = "cohere"): RerankResult {
  const root = asObject(body);
  if (root === undefined) throw rerankProtocolError(provider, "not an object");
  const billed = asObject(asObject(root["meta"])?.["billed_units"]);
  const searchUnits = asNumber(billed?.["search_units"]);
  const inputTokens = asNumber(billed?.["input_tokens"]);
  const id = asString(root["id"]);
  return {
    results: readRerankResults(provider, root["results"], "relevance_score", count),
    ...(id !== undefined ? { id } : {}),
    ...(searchUnits !== undefined ? { searchUnits } : {}),
    ...(inputTokens !== undefined ? { promptTokens: inputTokens } : {}),
  };
}

/** Cohere rerank (`POST /v2/rerank`); no provider options. */
export function createCohereRerank(
  envNames: readonly string[],
): OperationAdapter<RerankRequest, RerankResult> {
  return {
    options: [],
    buildRequest(request, context) {
      const deployment = context.deployment;
      const key = resolveApiKey(deployment, "cohere", envNames);
      return {
        url: `${baseUrl(deployment, "https://api.cohere.com")}/v2/rerank`,
        method: "POST",
        headers: {
          ...deployment.params.extraHeaders,
          "content-type": "application/json",
          accept: "application/json",
          authorization: `Bearer ${key}`,
        },
        body: JSON.stringify(convertToCohereRerankBody(request, deployment.model)),
      };
    },
    parseResponse: (body, context) => parseCohereRerankResponse(body, context.request.documents.length),
    parseError: parseCohereError,
  };
}
