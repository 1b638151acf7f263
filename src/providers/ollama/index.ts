import type { HttpProviderAdapter } from "../../core/types/provider.js";
import { baseUrl, optionalApiKey } from "../shared/api-key.js";
import { withDeploymentDropParams } from "../shared/supported-params.js";
import { convertToOllamaRequest } from "./convert-to-ollama-request.js";
import { createOllamaEmbeddings } from "./ollama-embeddings.js";
import { parseOllamaError } from "./ollama-error.js";
import { OllamaStreamDecoder } from "./ollama-stream-decoder.js";
import { parseOllamaResponse } from "./parse-ollama-response.js";

/** Environment variables read by the Ollama provider (a key only for Ollama's hosted service or a proxy). */
export const OLLAMA_ENV_VARS = ["OLLAMA_API_KEY"] as const;

function createOllamaAdapter(id: string): HttpProviderAdapter {
  return {
    kind: "http",
    id,
    environment: { apiKey: OLLAMA_ENV_VARS, apiBase: [] },
    capabilities: [
      "streaming",
      "tools",
      "parallel_tools",
      "vision",
      "json_object",
      "json_schema",
      "reasoning",
    ],
    framing: "ndjson",
    buildRequest(request, context) {
      const deployment = context.deployment;
      const key = optionalApiKey(deployment, OLLAMA_ENV_VARS);
      return {
        url: `${baseUrl(deployment, "http://localhost:11434")}/api/chat`,
        method: "POST",
        headers: {
          ...deployment.params.extraHeaders,
          ...request.upstreamHeaders,
          "content-type": "application/json",
          accept: context.stream ? "application/x-ndjson" : "application/json",
          ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
        },
        body: JSON.stringify(
          convertToOllamaRequest(
            withDeploymentDropParams(request, deployment),
            deployment.model,
            context.stream,
            id,
          ),
        ),
      };
    },
    parseResponse: parseOllamaResponse,
    createStreamDecoder: (_request, context) => new OllamaStreamDecoder(context),
    parseError: parseOllamaError,
    // --- embeddings (issue 14): `/api/embed` (ollama-embeddings.ts) ---
    embeddings: createOllamaEmbeddings(id, OLLAMA_ENV_VARS),
  };
}

/** Ollama's native `/api/chat` (NDJSON streaming). */
export const ollamaAdapter = createOllamaAdapter("ollama");

/** LiteLLM's `ollama_chat/` prefix: the same native chat API. */
export const ollamaChatAdapter = createOllamaAdapter("ollama_chat");
