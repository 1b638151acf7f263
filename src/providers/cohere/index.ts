import type { HttpProviderAdapter } from "../../core/types/provider.js";
import { baseUrl, resolveApiKey } from "../shared/api-key.js";
import { withDeploymentDropParams } from "../shared/supported-params.js";
import { createCohereEmbeddings } from "./cohere-embeddings.js";
import { parseCohereError } from "./cohere-error.js";
import { createCohereRerank } from "./cohere-rerank.js";
import { CohereStreamDecoder } from "./cohere-stream-decoder.js";
import { convertToCohereRequest } from "./convert-to-cohere-request.js";
import { parseCohereResponse } from "./parse-cohere-response.js";

/** Environment variables read by the Cohere provider, in order. */
export const COHERE_ENV_VARS = ["COHERE_API_KEY", "CO_API_KEY"] as const;

/** Cohere v2 chat (`POST /v2/chat`), SSE streaming with typed events. */
export const cohereAdapter: HttpProviderAdapter = {
  kind: "http",
  id: "cohere",
  environment: { apiKey: COHERE_ENV_VARS, apiBase: ["COHERE_API_BASE"], discovery: "api-key" },
  capabilities: ["streaming", "tools", "parallel_tools", "json_object", "json_schema", "reasoning"],
  framing: "sse",
  buildRequest(request, context) {
    const deployment = context.deployment;
    const key = resolveApiKey(deployment, "cohere", COHERE_ENV_VARS);
    return {
      url: `${baseUrl(deployment, "https://api.cohere.com")}/v2/chat`,
      method: "POST",
      headers: {
        ...deployment.params.extraHeaders,
        ...request.upstreamHeaders,
        "content-type": "application/json",
        accept: context.stream ? "text/event-stream" : "application/json",
        authorization: `Bearer ${key}`,
      },
      body: JSON.stringify(
        convertToCohereRequest(
          withDeploymentDropParams(request, deployment),
          deployment.model,
          context.stream,
        ),
      ),
    };
  },
  parseResponse: parseCohereResponse,
  createStreamDecoder: (_request, context) => new CohereStreamDecoder(context),
  parseError: parseCohereError,
  // --- embeddings (issue 14): `/v2/embed`, 96 a call (cohere-embeddings.ts) ---
  embeddings: createCohereEmbeddings(COHERE_ENV_VARS),
  // --- rerank (issue 14): `/v2/rerank` (cohere-rerank.ts) ---
  rerank: createCohereRerank(COHERE_ENV_VARS),
};
