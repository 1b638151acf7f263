import { z } from "zod";
import type { ChatContext } from "../core/chat/dispatcher.js";
import { GatewayError, invalidRequest } from "../core/errors/gateway-error.js";
import type { OperationOutcome } from "../core/operations/operation-gateway.js";
import type { RerankRequest, RerankResult } from "../core/rerank/rerank-types.js";
import { formatPath } from "./from-openai.js";
import { readJsonBody, sendJson } from "./http-io.js";
import { meteringHeaders } from "./metering-headers.js";
import type { RestContext } from "./rest-shim.js";
import { routingHeaders } from "./routing-headers.js";

/**
 * Cohere's v2 rerank request as LiteLLM serves it at `/v1/rerank` and `/rerank`, strictly: an unknown field is a
 * 400 naming it. Documents are strings or `{text}` objects (Cohere v1/LiteLLM); structured documents with
 * `rank_fields` are not served.
 */
const rerankRequestSchema = z.strictObject({
  model: z.string().min(1).max(512),
  query: z.string(),
  documents: z.array(z.union([z.string(), z.strictObject({ text: z.string() })])),
  top_n: z.number().int().optional(),
  return_documents: z.boolean().optional(),
  max_tokens_per_doc: z.number().int().optional(),
  user: z.string().max(512).optional(),
  provider_options: z.record(z.string(), z.unknown()).optional(),
  drop_params: z.boolean().optional(),
  fallbacks: z.array(z.string().min(1).max(512)).max(10).optional(),
  timeout: z.number().gt(0).max(3600).optional(),
});

/** The REST body → the canonical request; every failure is a 400 naming the field. */
export function fromRerankRequest(body: unknown): RerankRequest {
  const parsed = rerankRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue === undefined) throw invalidRequest("The request body is not a valid rerank request.");
    if (issue.code === "unrecognized_keys") {
      const key = issue.keys[0] ?? "";
      throw invalidRequest(`Unrecognized field '${key}'.`, key);
    }
    const param = formatPath(issue.path);
    throw invalidRequest(`Invalid value for '${param}': ${issue.message}.`, param);
  }
  const value = parsed.data;
  return {
    model: value.model,
    query: value.query,
    documents: value.documents.map((document) => (typeof document === "string" ? document : document.text)),
    ...(value.top_n !== undefined ? { topN: value.top_n } : {}),
    ...(value.return_documents !== undefined ? { returnDocuments: value.return_documents } : {}),
    ...(value.max_tokens_per_doc !== undefined ? { maxTokensPerDoc: value.max_tokens_per_doc } : {}),
    ...(value.user !== undefined ? { user: value.user } : {}),
    ...(value.provider_options !== undefined ? { providerOptions: value.provider_options } : {}),
    ...(value.drop_params !== undefined ? { dropParams: value.drop_params } : {}),
    ...(value.fallbacks !== undefined || value.timeout !== undefined
      ? {
          routing: {
            ...(value.fallbacks !== undefined ? { fallbacks: value.fallbacks } : {}),
            ...(value.timeout !== undefined ? { timeoutMs: Math.round(value.timeout * 1000) } : {}),
          },
        }
      : {}),
  };
}

/**
 * Cohere's v2 rerank response as LiteLLM renders it: `results` in the provider's order (best first), each with
 * the index into the request's documents and, when asked, the document's text (from the request, never from
 * the upstream); `meta.billed_units` (Cohere's search units when reported) and `meta.tokens.input_tokens` (the
 * provider's count, or the gateway's estimate, flagged by a header).
 */
export function toRerankResponse(
  request: RerankRequest,
  outcome: OperationOutcome<RerankResult>,
  fallbackId: string,
): Record<string, unknown> {
  const { result, usage } = outcome;
  return {
    id: result.id ?? fallbackId,
    results: result.results.map((item) => ({
      index: item.index,
      relevance_score: item.relevanceScore,
      ...(request.returnDocuments === true ? { document: { text: request.documents[item.index] } } : {}),
    })),
    meta: {
      api_version: { version: "2" },
      billed_units: {
        ...(result.searchUnits !== undefined ? { search_units: result.searchUnits } : {}),
        ...(usage.estimated ? {} : { input_tokens: usage.promptTokens }),
      },
      tokens: { input_tokens: usage.promptTokens, output_tokens: 0 },
    },
  };
}

/** POST /v1/rerank and /rerank: Cohere v2 in, the rerank gateway, Cohere v2 out. */
export async function handleRerank(context: RestContext): Promise<number> {
  const { request: httpRequest, response, deps, requestId } = context;
  const gateway = deps.rerank;
  if (gateway === undefined) {
    throw new GatewayError("not_found", "Rerank is not served by this gateway.", {
      reason: "route_not_found",
    });
  }
  const body = await readJsonBody(httpRequest, deps.maxBodyBytes);
  const request = fromRerankRequest(body);
  context.log.model = request.model;
  context.log.stream = false;
  const controller = new AbortController();
  response.once("close", () => {
    if (!response.writableFinished) controller.abort(new Error("client disconnected"));
  });
  const call: ChatContext = {
    requestId,
    principal: context.principal ?? { keyId: "anonymous", role: "user", display: "" },
    signal: controller.signal,
  };
  const outcome = await gateway.run(request, call);
  context.log.deployment = outcome.routing.deployment;
  context.log.provider = outcome.routing.provider;
  sendJson(response, 200, toRerankResponse(request, outcome, `rerank-${requestId}`), {
    ...routingHeaders(outcome.routing, requestId),
    ...meteringHeaders(outcome.metering),
    ...(outcome.usage.estimated ? { "x-switchboard-usage-estimated": "true" } : {}),
  });
  return 200;
}
