/**
 * `/v1/models` tells each model's limits and prices from the same price table usage bills with (the model catalog
 * `@pydantic/genai-prices`, the shipped table, `model_info` overrides), in LiteLLM's `model_info` names; an
 * unpriced model shows no prices rather than a made-up zero.
 */
import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { catalogOf } from "../../src/app.js";
import type { Deployment } from "../../src/core/types/deployment.js";
import { PriceTable } from "../../src/usage/price-table.js";
import { deployment, startTestGateway } from "../helpers/gateway.js";

interface ListedModel {
  id: string;
  switchboard: {
    max_input_tokens?: number;
    max_output_tokens?: number;
    pricing?: Record<string, number | string>;
  };
}

const overridden: Deployment = {
  ...deployment("house-claude", "anthropic", "claude-sonnet-4-5"),
  info: { extra: {}, inputCostPerToken: 0.000_001, maxInputTokens: 50_000 },
};
const deployments = [
  deployment("gpt-4o", "openai", "gpt-4o"),
  overridden,
  deployment("local-llama", "hosted_vllm", "meta-llama/Llama-3.1-8B-Instruct", {
    apiBase: "http://127.0.0.1:9",
  }),
  deployment("mock/*", "mock", "*"),
];

let gateway: Awaited<ReturnType<typeof startTestGateway>>;

before(async () => {
  gateway = await startTestGateway(deployments, { catalog: catalogOf(deployments, {}, new PriceTable()) });
});

after(async () => {
  await gateway.close();
});

async function models(): Promise<Map<string, ListedModel>> {
  const response = await fetch(`${gateway.url}/v1/models`, { headers: gateway.headers });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { data: ListedModel[] };
  return new Map(body.data.map((model) => [model.id, model]));
}

test("a catalog model lists its context window and its prices per token, source table", async () => {
  const gpt = (await models()).get("gpt-4o");
  assert.ok(gpt !== undefined);
  const prices = new PriceTable().forDeployment(deployments[0] as Deployment);
  assert.ok(prices !== undefined, "gpt-4o is priced by the catalog");
  assert.deepEqual(gpt.switchboard.pricing?.input_cost_per_token, prices.inputPerToken);
  assert.deepEqual(gpt.switchboard.pricing?.output_cost_per_token, prices.outputPerToken);
  assert.ok((gpt.switchboard.pricing?.input_cost_per_token as number) > 0);
  assert.equal(gpt.switchboard.pricing?.source, "table");
  assert.ok((gpt.switchboard.max_input_tokens ?? 0) >= 128_000, "the catalog's context window");
});

test("model_info prices and limits win over the catalog's, and say so", async () => {
  const claude = (await models()).get("house-claude");
  assert.equal(claude?.switchboard.pricing?.input_cost_per_token, 0.000_001);
  assert.equal(claude?.switchboard.pricing?.source, "model_info");
  assert.ok((claude?.switchboard.pricing?.output_cost_per_token as number) > 0, "the output price kept");
  assert.equal(claude?.switchboard.max_input_tokens, 50_000);
});

test("an unpriced model shows no prices (never zero); a wildcard group none; a self-hosted server its $0", async () => {
  const listed = await models();
  assert.equal(listed.get("my-finetune")?.switchboard.pricing, undefined);
  assert.equal(listed.get("mock/*")?.switchboard.pricing, undefined);
  // The shipped table prices self-hosted servers (`hosted_vllm/*`) at zero on purpose: your own hardware.
  assert.equal(listed.get("local-llama")?.switchboard.pricing?.input_cost_per_token, 0);
});

test("GET /v1/models/{id} carries the same prices", async () => {
  const response = await fetch(`${gateway.url}/v1/models/gpt-4o`, { headers: gateway.headers });
  const body = (await response.json()) as ListedModel;
  assert.equal(body.switchboard.pricing?.source, "table");
});
