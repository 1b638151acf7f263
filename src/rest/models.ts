import type { ModelDescriptor, ModelPricing } from "../core/chat/dispatcher.js";
import { GatewayError } from "../core/errors/gateway-error.js";
import { sendJson } from "./http-io.js";
import type { RestContext } from "./rest-shim.js";

const CREATED = Math.floor(Date.now() / 1000);

function toOpenAIModel(model: ModelDescriptor): Record<string, unknown> {
  return {
    id: model.id,
    object: "model",
    created: CREATED,
    owned_by: model.provider,
    switchboard: {
      provider: model.provider,
      deployments: model.deployments,
      capabilities: model.capabilities,
      ...(model.maxInputTokens !== undefined ? { max_input_tokens: model.maxInputTokens } : {}),
      ...(model.maxOutputTokens !== undefined ? { max_output_tokens: model.maxOutputTokens } : {}),
      ...(model.pricing !== undefined ? { pricing: pricingOf(model.pricing) } : {}),
    },
  };
}

/** Prices in LiteLLM's `model_info` names (USD per token), so dashboards reading `/model/info` read these too. */
function pricingOf(pricing: ModelPricing): Record<string, unknown> {
  return {
    input_cost_per_token: pricing.inputPerToken,
    output_cost_per_token: pricing.outputPerToken,
    ...(pricing.cacheReadPerToken !== undefined
      ? { cache_read_input_token_cost: pricing.cacheReadPerToken }
      : {}),
    ...(pricing.cacheWritePerToken !== undefined
      ? { cache_creation_input_token_cost: pricing.cacheWritePerToken }
      : {}),
    source: pricing.source,
  };
}

function principalOf(context: RestContext) {
  return context.principal ?? { keyId: "anonymous", role: "user" as const, display: "" };
}

/** GET /v1/models: the models this key may use. */
export function handleListModels(context: RestContext): number {
  const models = context.deps.gateway.listModels({ principal: principalOf(context) });
  sendJson(
    context.response,
    200,
    { object: "list", data: models.map(toOpenAIModel) },
    { "x-request-id": context.requestId },
  );
  return 200;
}

/** GET /v1/models/{id}: one model, ids may contain slashes. */
export function handleGetModel(context: RestContext): number {
  const id = context.rest;
  const models = context.deps.gateway.listModels({ principal: principalOf(context) });
  // A name served by a wildcard group (`mock/*` serves `mock/tool`) is a model too: chat accepts it, so does this.
  const exact = models.find((entry) => entry.id === id);
  const wildcard = models.find(
    (entry) =>
      entry.id.endsWith("*") && id.length > entry.id.length - 1 && id.startsWith(entry.id.slice(0, -1)),
  );
  const model = exact ?? (wildcard === undefined ? undefined : { ...wildcard, id });
  if (model === undefined) {
    throw new GatewayError("model_not_found", `The model '${id}' does not exist or is not served here.`, {
      param: "model",
      reason: "model_not_found",
    });
  }
  sendJson(context.response, 200, toOpenAIModel(model), { "x-request-id": context.requestId });
  return 200;
}
