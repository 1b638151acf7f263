import type { OperationAdapter } from "../../core/operations/operation-adapter.js";
import type { RerankRequest, RerankResult } from "../../core/rerank/rerank-types.js";
import type { Deployment } from "../../core/types/deployment.js";
import type { HttpProviderAdapter } from "../../core/types/provider.js";
import { asNumber, asObject, asString } from "../shared/json.js";
import { readRerankResults, rerankProtocolError } from "../shared/rerank-results.js";
import type { OpenAICompatibleFamily } from "./families.js";

/**
 * The hosts that serve the Jina-style `POST {base}/rerank` (`{model, query, documents, top_n}` →
 * `{results:[{index, relevance_score}], usage}`): Together (openai-compatible/togetherai-rerank.json) and vLLM's
 * OpenAI server (its `/v1/rerank`, which Jina-compatible and self-hosted rerankers also speak: reach them as
 * `hosted_vllm/<model>` with their `api_base`).
 */
const RERANK_HOSTS: ReadonlySet<string> = new Set(["together_ai", "hosted_vllm"]);

export function convertToJinaRerankBody(request: RerankRequest, model: string): Record<string, unknown> {
  const body: Record<string, unknown> = { model, query: request.query, documents: request.documents };
  if (request.topN !== undefined) body["top_n"] = request.topN;
  return body;
}

/** Results under `results`, usage as `prompt_tokens` (Together) or `total_tokens` (vLLM, Jina). */
export function parseJinaRerankResponse(provider: string, body: unknown, count: number): RerankResult {
  const root = asObject(body);
  if (root === undefined) throw rerankProtocolError(provider, "not an object");
  const usage = asObject(root["usage"]);
  const tokens = asNumber(usage?.["prompt_tokens"]) ?? asNumber(usage?.["total_tokens"]);
  const id = asString(root["id"]);
  return {
    results: readRerankResults(provider, root["results"], "relevance_score", count),
    ...(id !== undefined ? { id } : {}),
    ...(tokens !== undefined ? { promptTokens: tokens } : {}),
  };
}

/** `{ rerank }` for a family whose host serves it, else nothing. */
export function familyRerank(
  family: OpenAICompatibleFamily,
  /** The deployment with the family's key and base URL resolved (index.ts's resolution, shared with chat). */
  resolve: (deployment: Deployment) => Deployment,
  parseError: HttpProviderAdapter["parseError"],
): Pick<HttpProviderAdapter, "rerank"> {
  if (!RERANK_HOSTS.has(family.prefix)) return {};
  const rerank: OperationAdapter<RerankRequest, RerankResult> = {
    options: [],
    buildRequest(request, context) {
      const params = resolve(context.deployment).params;
      const headers: Record<string, string> = {
        ...params.extraHeaders,
        "content-type": "application/json",
        accept: "application/json",
      };
      if (params.apiKey !== undefined) headers["authorization"] = `Bearer ${params.apiKey}`;
      return {
        url: `${(params.apiBase ?? "").replace(/\/+$/, "")}/rerank`,
        method: "POST",
        headers,
        body: JSON.stringify(convertToJinaRerankBody(request, context.deployment.model)),
      };
    },
    parseResponse: (body, context) =>
      parseJinaRerankResponse(family.prefix, body, context.request.documents.length),
    parseError,
  };
  return { rerank };
}
