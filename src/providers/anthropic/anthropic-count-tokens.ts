import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatRequest, ChatResponse } from "../../core/types/chat.js";
import type { Deployment } from "../../core/types/deployment.js";
import type { HttpProviderAdapter, UpstreamRequest } from "../../core/types/provider.js";
import { ANTHROPIC_PROVIDER_ID } from "./anthropic-error.js";
import { buildAnthropicRequest } from "./convert-to-anthropic-request.js";
import { anthropicProvider } from "./index.js";

/** Fields of a Messages body that `count_tokens` does not take (it counts the prompt only). */
const NOT_COUNTED = [
  "max_tokens",
  "stream",
  "temperature",
  "top_p",
  "top_k",
  "stop_sequences",
  "metadata",
  "service_tier",
];

/**
 * `POST /v1/messages/count_tokens` for one request: the same translation as a message (system, tools, thinking,
 * cache_control, betas), minus the fields the endpoint refuses (corpus anthropic/cassette-count-tokens*.yaml).
 */
export function buildAnthropicCountTokensRequest(
  request: ChatRequest,
  deployment: Deployment,
): UpstreamRequest {
  const upstream = buildAnthropicRequest(request, deployment, false);
  const body = JSON.parse(upstream.body as string) as Record<string, unknown>;
  for (const field of NOT_COUNTED) delete body[field];
  return {
    ...upstream,
    url: `${upstream.url}/count_tokens`,
    headers: { ...upstream.headers, accept: "application/json" },
    body: JSON.stringify(body),
  };
}

/** `{"input_tokens": N}` → a response carrying N as its prompt tokens (the executor's unary result type). */
export function parseAnthropicCountTokens(body: unknown): ChatResponse {
  const tokens = (body as { input_tokens?: unknown } | null)?.input_tokens;
  if (typeof tokens !== "number" || !Number.isSafeInteger(tokens) || tokens < 0) {
    throw new GatewayError("upstream_protocol", "The Anthropic upstream sent a token count we cannot read.", {
      provider: ANTHROPIC_PROVIDER_ID,
      reason: "invalid_response",
    });
  }
  return {
    id: "",
    model: "",
    created: 0,
    choices: [],
    usage: { promptTokens: tokens, completionTokens: 0, totalTokens: tokens },
  };
}

/** The Anthropic adapter aimed at the counting endpoint: same errors, same transport, another URL and body. */
export const anthropicCountTokensAdapter: HttpProviderAdapter = {
  ...anthropicProvider,
  buildRequest: (request, context) => buildAnthropicCountTokensRequest(request, context.deployment),
  parseResponse: (body) => parseAnthropicCountTokens(body),
};
