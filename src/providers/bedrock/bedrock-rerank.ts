import { invalidRequest } from "../../core/errors/gateway-error.js";
import type { OperationAdapter } from "../../core/operations/operation-adapter.js";
import type { RerankRequest, RerankResult } from "../../core/rerank/rerank-types.js";
import type { UpstreamRequest } from "../../core/types/provider.js";
import { asObject, asString } from "../shared/json.js";
import { readRerankResults, rerankProtocolError } from "../shared/rerank-results.js";
import { signSigV4 } from "../shared/sigv4.js";
import { type Environment, resolveBedrockAuth } from "./bedrock-auth.js";

/** Bedrock's rerank model ids: Amazon Rerank 1.0 and Cohere Rerank 3.5. */
const MODEL_ID = /^[a-z0-9-]+\.[a-z0-9.-]*rerank[a-z0-9.-]*(:\d+)?$/;

/** The foundation-model ARN Bedrock's Rerank API takes; an ARN in `model` is used as it is. */
export function bedrockRerankModelArn(model: string, region: string): string {
  if (model.startsWith("arn:aws")) return model;
  if (!MODEL_ID.test(model)) {
    throw invalidRequest(
      `The Bedrock model '${model}' is not a rerank model this gateway speaks (amazon.rerank-v1:0, cohere.rerank-v3-5:0, or an ARN).`,
      "model",
    );
  }
  return `arn:aws:bedrock:${region}::foundation-model/${model}`;
}

/**
 * The Bedrock Agent Runtime `POST /rerank` body: one text query, the documents as inline text sources, the
 * model by ARN, `numberOfResults` from `top_n` (else every document).
 */
export function convertToBedrockRerankBody(
  request: RerankRequest,
  modelArn: string,
): Record<string, unknown> {
  return {
    queries: [{ type: "TEXT", textQuery: { text: request.query } }],
    sources: request.documents.map((text) => ({
      type: "INLINE",
      inlineDocumentSource: { type: "TEXT", textDocument: { text } },
    })),
    rerankingConfiguration: {
      type: "BEDROCK_RERANKING_MODEL",
      bedrockRerankingConfiguration: {
        modelConfiguration: { modelArn },
        numberOfResults: request.topN ?? request.documents.length,
      },
    },
  };
}

/** `{results:[{index, relevanceScore}]}` (bedrock/rerank.json): no usage, no id. */
export function parseBedrockRerankResponse(body: unknown, count: number): RerankResult {
  const root = asObject(body);
  if (root === undefined) throw rerankProtocolError("bedrock", "not an object");
  if (asString(root["nextToken"]) !== undefined) {
    // Every document is asked for in one call; a paginated answer would be a short list.
    throw rerankProtocolError("bedrock", "a paginated answer (nextToken)");
  }
  return { results: readRerankResults("bedrock", root["results"], "relevanceScore", count) };
}

/**
 * Bedrock rerank through the Agent Runtime (`https://bedrock-agent-runtime.{region}.amazonaws.com/rerank`, or the
 * deployment's `api_base`), signed like chat (SigV4 with the service name `bedrock`, or a Bedrock API key).
 */
export function createBedrockRerank(
  env: Environment = process.env,
  signingDate?: Date,
): OperationAdapter<RerankRequest, RerankResult> {
  return {
    options: [],
    async buildRequest(request, context): Promise<UpstreamRequest> {
      const deployment = context.deployment;
      const auth = resolveBedrockAuth(deployment, env);
      const body = JSON.stringify(
        convertToBedrockRerankBody(request, bedrockRerankModelArn(deployment.model, auth.region)),
      );
      const configured = deployment.params.apiBase;
      const base =
        typeof configured === "string" && configured.trim() !== ""
          ? configured.replace(/\/+$/, "")
          : `https://bedrock-agent-runtime.${auth.region}.amazonaws.com`;
      const url = `${base}/rerank`;
      const headers: Record<string, string> = {
        ...deployment.params.extraHeaders,
        "content-type": "application/json",
        accept: "application/json",
      };
      if (auth.type === "bearer") {
        return { url, method: "POST", headers: { ...headers, authorization: `Bearer ${auth.token}` }, body };
      }
      const signed = await signSigV4({
        method: "POST",
        url,
        headers,
        body,
        region: auth.region,
        service: "bedrock",
        credentials: auth.credentials,
        ...(signingDate === undefined ? {} : { signingDate }),
      });
      return { url, method: "POST", headers: signed, body };
    },
    parseResponse: (body, context) => parseBedrockRerankResponse(body, context.request.documents.length),
  };
}
