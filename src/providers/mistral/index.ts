import type { HttpProviderAdapter } from "../../core/types/provider.js";
import type { OpenAIWireOptions } from "../openai/convert-to-openai-request.js";
import { baseUrl, resolveApiKey } from "../shared/api-key.js";
import { withDeploymentDropParams } from "../shared/supported-params.js";
import { convertToMistralBody } from "./convert-to-mistral-request.js";
import { createMistralEmbeddings } from "./mistral-embeddings.js";
import { parseMistralError } from "./mistral-error.js";
import { MISTRAL_OPTIONS } from "./mistral-options.js";
import { MistralStreamDecoder } from "./mistral-stream-decoder.js";
import { parseMistralResponse } from "./parse-mistral-response.js";

/** Environment variables read by the Mistral provider. */
export const MISTRAL_ENV_VARS = ["MISTRAL_API_KEY"] as const;

const MISTRAL_WIRE: OpenAIWireOptions = {
  provider: "mistral",
  defaultBase: "https://api.mistral.ai/v1",
  acceptsTopK: false,
  authHeader: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),
  path: "/chat/completions",
  options: MISTRAL_OPTIONS,
};

/** Mistral La Plateforme (`/v1/chat/completions`): OpenAI's wire with Mistral's names and id rules. */
export const mistralAdapter: HttpProviderAdapter = {
  kind: "http",
  id: "mistral",
  environment: { apiKey: MISTRAL_ENV_VARS, apiBase: ["MISTRAL_API_BASE"], discovery: "api-key" },
  capabilities: [
    "streaming",
    "tools",
    "parallel_tools",
    "vision",
    "json_schema",
    "json_object",
    "reasoning",
    "n",
  ],
  framing: "sse",
  buildRequest(request, context) {
    const deployment = context.deployment;
    const key = resolveApiKey(deployment, "mistral", MISTRAL_ENV_VARS);
    return {
      url: `${baseUrl(deployment, MISTRAL_WIRE.defaultBase)}${MISTRAL_WIRE.path}`,
      method: "POST",
      headers: {
        ...deployment.params.extraHeaders,
        ...request.upstreamHeaders,
        "content-type": "application/json",
        accept: context.stream ? "text/event-stream" : "application/json",
        ...MISTRAL_WIRE.authHeader(key),
      },
      body: JSON.stringify(
        convertToMistralBody(withDeploymentDropParams(request, deployment), context, MISTRAL_WIRE),
      ),
    };
  },
  parseResponse: (body) => parseMistralResponse(body),
  createStreamDecoder: () => new MistralStreamDecoder(),
  parseError: parseMistralError,
  // --- embeddings (issue 14): `/v1/embeddings`, 32 a call (mistral-embeddings.ts) ---
  embeddings: createMistralEmbeddings(MISTRAL_ENV_VARS, MISTRAL_WIRE.defaultBase),
};
