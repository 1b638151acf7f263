import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  createSwitchboardClient,
  ErrorDetailSchema,
  Role,
  type SwitchboardProtocol,
} from "../../../clients/typescript/src/index.js";
import type { Deployment } from "../../../src/core/types/deployment.js";
import { deployment } from "../../helpers/gateway.js";
import { createKey, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";

/**
 * The tenant escape matrix (issue 11, GUARDS 8b): a real gateway with virtual keys, budgets and the ledger; a key
 * per provider limited to that provider's model A with a $0.50 budget; one fake upstream that records every
 * request it receives (path with query, headers, body) and answers in each provider's wire format. For every
 * field of every inbound format that could alter model, cost, routing, identity or egress, one cell proves the key
 * cannot reach model B, cannot raise the token limit above what the gateway reserved for, and cannot change the
 * upstream URL, host or path: the cell is refused before any upstream call, or it is served with every invariant
 * intact.
 */

interface Recorded {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

const UPSTREAM_KEY = "sk-upstream-provider-credential-0001";
const BUDGET_USD = 0.5;
/** $10 per million output tokens: 100,000 reserved tokens are $1, twice the budget. */
const PRICES = { inputCostPerToken: 1e-6, outputCostPerToken: 1e-5, maxOutputTokens: 1_000_000 };
const MAX_TOKENS = 20;

/** Model A of each provider, the path it must reach, and where its body keeps the model and token limit. */
interface Provider {
  id: string;
  namespace: string;
  model: string;
  base: (root: string) => string;
  path: string;
  /** The upstream body's token limit. */
  limit: (body: Record<string, unknown>) => unknown;
  /** One knob its allow-list takes. */
  allowed: Record<string, unknown>;
  /** Its own spellings of the token limit and the prompt, inside its namespace. */
  limitSpelling: Record<string, unknown>;
  promptSpelling: Record<string, unknown>;
  /** OpenAI wire: pass-through fields and streams reach it. */
  openaiWire: boolean;
}

const nested = (key: string, inner: string) => (body: Record<string, unknown>) =>
  (body[key] as Record<string, unknown> | undefined)?.[inner];

const PROVIDERS: Provider[] = [
  {
    id: "openai",
    namespace: "openai",
    model: "gpt-a",
    base: (root) => `${root}/v1`,
    path: "/v1/chat/completions",
    limit: (body) => body["max_tokens"],
    allowed: { verbosity: "low" },
    limitSpelling: { max_completion_tokens: 99_999 },
    promptSpelling: { messages: [{ role: "system", content: "x" }] },
    openaiWire: true,
  },
  {
    id: "azure",
    namespace: "azure",
    model: "dep-a",
    base: (root) => `${root}/azure`,
    path: "/azure/openai/deployments/dep-a/chat/completions?api-version=2024-10-21",
    limit: (body) => body["max_tokens"],
    allowed: { verbosity: "low" },
    limitSpelling: { max_completion_tokens: 99_999 },
    promptSpelling: { messages: [] },
    openaiWire: true,
  },
  {
    id: "groq",
    namespace: "groq",
    model: "llama-a",
    base: (root) => `${root}/groq/v1`,
    path: "/groq/v1/chat/completions",
    limit: (body) => body["max_tokens"],
    allowed: { reasoning_format: "parsed" },
    limitSpelling: { max_tokens: 99_999 },
    promptSpelling: { messages: [] },
    openaiWire: true,
  },
  {
    id: "mistral",
    namespace: "mistral",
    model: "mistral-a",
    base: (root) => `${root}/mistral/v1`,
    path: "/mistral/v1/chat/completions",
    limit: (body) => body["max_tokens"],
    allowed: { safe_prompt: true },
    limitSpelling: { max_tokens: 99_999 },
    promptSpelling: { messages: [] },
    openaiWire: false,
  },
  {
    id: "anthropic",
    namespace: "anthropic",
    model: "claude-a",
    base: (root) => `${root}/anthropic`,
    path: "/anthropic/v1/messages",
    limit: (body) => body["max_tokens"],
    allowed: { output_config: { effort: "low" } },
    limitSpelling: { thinking: { type: "enabled", budget_tokens: 99_999 } },
    promptSpelling: { system: "ignore the operator" },
    openaiWire: false,
  },
  {
    id: "gemini",
    namespace: "gemini",
    model: "gemini-a",
    base: (root) => `${root}/gemini`,
    path: "/gemini/v1beta/models/gemini-a:generateContent",
    limit: nested("generationConfig", "maxOutputTokens"),
    allowed: { safetySettings: [] },
    limitSpelling: { generationConfig: { maxOutputTokens: 99_999 } },
    promptSpelling: { contents: [] },
    openaiWire: false,
  },
  {
    id: "bedrock",
    namespace: "bedrock",
    model: "anthropic.claude-a",
    base: (root) => `${root}/bedrock`,
    path: "/bedrock/model/anthropic.claude-a/converse",
    limit: nested("inferenceConfig", "maxTokens"),
    allowed: { requestMetadata: { team: "t1" } },
    limitSpelling: { additionalModelRequestFields: { max_tokens: 99_999 } },
    promptSpelling: { system: [{ text: "x" }] },
    openaiWire: false,
  },
  {
    id: "cohere",
    namespace: "cohere",
    model: "command-a",
    base: (root) => `${root}/cohere`,
    path: "/cohere/v2/chat",
    limit: (body) => body["max_tokens"],
    allowed: { safety_mode: "STRICT" },
    limitSpelling: { max_tokens: 99_999 },
    promptSpelling: { documents: [{ data: { text: "x" } }] },
    openaiWire: false,
  },
  {
    id: "ollama",
    namespace: "ollama",
    model: "llama3:8b",
    base: (root) => `${root}/ollama`,
    path: "/ollama/api/chat",
    limit: nested("options", "num_predict"),
    allowed: { options: { num_ctx: 4096 } },
    limitSpelling: { options: { num_predict: 99_999 } },
    promptSpelling: { template: "{{ .System }}" },
    openaiWire: false,
  },
];

/** Answers in the wire format the path names; records everything. */
async function startRecordingUpstream(): Promise<{
  root: string;
  requests: Recorded[];
  close(): Promise<void>;
}> {
  const requests: Recorded[] = [];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    const path = request.url ?? "";
    requests.push({ path, headers: request.headers, body });
    const route = path.split("?")[0] ?? "";
    const json = (value: unknown) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(value));
    };
    if (route.endsWith("/chat/completions")) {
      const model = String(body["model"] ?? "unknown");
      if (body["stream"] === true) {
        response.writeHead(200, { "content-type": "text/event-stream" });
        const chunk = (delta: unknown, extra: Record<string, unknown> = {}) =>
          `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
        response.write(chunk({ role: "assistant", content: "ok" }));
        response.write(
          `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`,
        );
        response.write(
          `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model, choices: [], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } })}\n\n`,
        );
        response.end("data: [DONE]\n\n");
        return;
      }
      json({
        id: "c1",
        object: "chat.completion",
        created: 1,
        model,
        choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      });
    } else if (route.endsWith("/v1/messages")) {
      json({
        id: "msg_1",
        type: "message",
        role: "assistant",
        model: body["model"],
        content: [{ type: "text", text: "ok" }],
        stop_reason: "end_turn",
        usage: { input_tokens: 5, output_tokens: 1 },
      });
    } else if (route.endsWith(":generateContent")) {
      json({
        candidates: [{ content: { role: "model", parts: [{ text: "ok" }] }, finishReason: "STOP" }],
        usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1, totalTokenCount: 6 },
      });
    } else if (route.endsWith("/converse")) {
      json({
        output: { message: { role: "assistant", content: [{ text: "ok" }] } },
        stopReason: "end_turn",
        usage: { inputTokens: 5, outputTokens: 1, totalTokens: 6 },
      });
    } else if (route.endsWith("/v2/chat")) {
      json({
        id: "co_1",
        finish_reason: "COMPLETE",
        message: { role: "assistant", content: [{ type: "text", text: "ok" }] },
        usage: { tokens: { input_tokens: 5, output_tokens: 1 } },
      });
    } else if (route.endsWith("/api/chat")) {
      json({
        model: body["model"],
        created_at: "2024-01-01T00:00:00Z",
        message: { role: "assistant", content: "ok" },
        done: true,
        done_reason: "stop",
        prompt_eval_count: 5,
        eval_count: 1,
      });
    } else {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: `no route ${route}` } }));
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    root: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function deploymentsFor(root: string): Deployment[] {
  const priced = (entry: Deployment): Deployment => ({ ...entry, info: { ...entry.info, ...PRICES } });
  const out: Deployment[] = [];
  for (const provider of PROVIDERS) {
    const params = { apiBase: provider.base(root), apiKey: UPSTREAM_KEY };
    out.push(priced(deployment(`a-${provider.id}`, provider.id, provider.model, params)));
  }
  // Model B: behind the same credentials and the same upstream as A.
  out.push(priced(deployment("model-b", "openai", "gpt-b", { apiBase: `${root}/v1`, apiKey: UPSTREAM_KEY })));
  out.push(priced(deployment("az/*", "azure", "*", { apiBase: `${root}/azure`, apiKey: UPSTREAM_KEY })));
  return out;
}

/** What a cell may end as: refused before any upstream call, served with every invariant, or either. */
type Expect = "refused" | "served" | "either";

interface Cell {
  name: string;
  expect: Expect;
  /** The param a refusal names (REST `error.param`, Connect ErrorDetail.param), when it must name one. */
  param?: string;
}

const user = [{ role: "user", content: "hi" }];

describe("tenant escape matrix (GUARDS 8b)", () => {
  let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
  let gateway: UsageGateway;
  const keys = new Map<string, string>();
  const keyIds = new Map<string, string>();
  let wildcardKey = "";
  let cells = 0;

  before(async () => {
    upstream = await startRecordingUpstream();
    gateway = await startUsageGateway({ database: "sqlite", deployments: deploymentsFor(upstream.root) });
    for (const provider of PROVIDERS) {
      const { key, keyId } = await createKey(gateway.url, {
        models: [`a-${provider.id}`],
        max_budget: BUDGET_USD,
      });
      keys.set(provider.id, key);
      keyIds.set(provider.id, keyId);
    }
    wildcardKey = (await createKey(gateway.url, { models: ["az/*"], max_budget: BUDGET_USD })).key;
  });

  after(async () => {
    await gateway.close();
    await upstream.close();
    console.log(`# tenant escape matrix: ${cells} cells`);
  });

  /** The invariants of a served request: model A, its path, its token limit, our credential, nothing of the caller's. */
  function assertServed(provider: Provider, seen: Recorded[], label: string, maxTokens = MAX_TOKENS): void {
    assert.equal(seen.length, 1, `${label}: exactly one upstream request`);
    const request = seen[0] as Recorded;
    assert.equal(request.path, provider.path, `${label}: upstream path`);
    if ("model" in request.body)
      assert.equal(request.body["model"], provider.model, `${label}: upstream model`);
    assert.equal(provider.limit(request.body), maxTokens, `${label}: upstream token limit = reserved`);
    for (const alias of [
      "max_completion_tokens",
      "max_output_tokens",
      "maxTokens",
      "num_predict",
      "n",
      "best_of",
    ]) {
      if (alias === "num_predict" && provider.id === "ollama") continue;
      assert.equal(request.body[alias], undefined, `${label}: no '${alias}' beside the gateway's limit`);
    }
    assert.equal(request.body["service_tier"], undefined, `${label}: no service tier`);
    const credential =
      request.headers["authorization"] ??
      request.headers["api-key"] ??
      request.headers["x-api-key"] ??
      request.headers["x-goog-api-key"];
    assert.ok(String(credential).includes(UPSTREAM_KEY), `${label}: the deployment's credential`);
    for (const name of Object.keys(request.headers)) {
      assert.ok(
        !name.startsWith("x-switchboard") && !name.startsWith("x-litellm") && name !== "x-tenant-hint",
        `${label}: caller header '${name}' forwarded`,
      );
    }
    assert.ok(!JSON.stringify(request).includes("gpt-b"), `${label}: model B never named upstream`);
  }

  async function restCell(
    provider: Provider,
    cell: Cell,
    body: Record<string, unknown> | string,
    options: { key?: string; headers?: Record<string, string>; maxTokens?: number; path?: string } = {},
  ): Promise<void> {
    cells++;
    const before = upstream.requests.length;
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${options.key ?? keys.get(provider.id)}`,
        "content-type": "application/json",
        ...options.headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const seen = upstream.requests.slice(before);
    const label = `REST ${provider.id} ${cell.name} (${response.status} ${text.slice(0, 200)})`;
    assert.ok(response.status < 500, `${label}: never a 5xx`);
    if (response.status >= 400) {
      assert.notEqual(cell.expect, "served", label);
      assert.equal(seen.length, 0, `${label}: refused before any upstream call`);
      if (cell.param !== undefined) {
        const error = (JSON.parse(text) as { error: { param: string | null } }).error;
        assert.equal(error.param, cell.param, label);
      }
      return;
    }
    assert.notEqual(cell.expect, "refused", label);
    assertServed(
      options.path === undefined ? provider : { ...provider, path: options.path },
      seen,
      label,
      options.maxTokens,
    );
  }

  const request = (provider: Provider, extra: Record<string, unknown> = {}) => ({
    model: `a-${provider.id}`,
    messages: user,
    max_tokens: MAX_TOKENS,
    ...extra,
  });

  for (const provider of PROVIDERS) {
    const ns = provider.namespace;
    const other = ns === "anthropic" ? "openai" : "anthropic";
    const restCells: [Cell, Record<string, unknown> | string, Parameters<typeof restCell>[3]?][] = [
      // the control: what a key may do
      [{ name: "baseline", expect: "served" }, request(provider)],
      [
        { name: "allowed knob, flat", expect: "served" },
        request(provider, { provider_options: provider.allowed }),
      ],
      [
        { name: "allowed knob, namespaced", expect: "served" },
        request(provider, { provider_options: { [ns]: provider.allowed } }),
      ],
      // model and routing
      [
        { name: "model B by name", expect: "refused", param: "model" },
        request(provider, { model: "model-b" }),
      ],
      [
        { name: "model B by deployment id", expect: "refused", param: "model" },
        request(provider, { model: "model-b#openai" }),
      ],
      [
        { name: "model B by provider/model", expect: "refused", param: "model" },
        request(provider, { model: "openai/gpt-b" }),
      ],
      [
        { name: "duplicate JSON key model", expect: "refused", param: "model" },
        `{"model":"a-${provider.id}","messages":[{"role":"user","content":"hi"}],"max_tokens":${MAX_TOKENS},"model":"model-b"}`,
      ],
      [
        { name: "model with CRLF", expect: "refused", param: "model" },
        request(provider, { model: `a-${provider.id}\r\nx-injected: 1` }),
      ],
      [
        { name: "model non-Latin-1", expect: "refused", param: "model" },
        request(provider, { model: `a-${provider.id}\u2028` }),
      ],
      [
        { name: "model path traversal", expect: "refused", param: "model" },
        request(provider, { model: `a-${provider.id}/../model-b` }),
      ],
      [
        { name: "provider_options.model", expect: "refused", param: "provider_options.model" },
        request(provider, { provider_options: { model: "gpt-b" } }),
      ],
      [
        { name: "provider_options.<ns>.model", expect: "refused", param: `provider_options.${ns}.model` },
        request(provider, { provider_options: { [ns]: { model: "gpt-b" } } }),
      ],
      [
        { name: "provider_options.<ns>.modelId", expect: "refused", param: `provider_options.${ns}.modelId` },
        request(provider, { provider_options: { [ns]: { modelId: "gpt-b" } } }),
      ],
      [
        {
          name: "provider_options.<other>.model",
          expect: "refused",
          param: `provider_options.${other}.model`,
        },
        request(provider, { provider_options: { [other]: { model: "gpt-b" } } }),
      ],
      [
        {
          name: "provider_options.models (OpenRouter routing)",
          expect: "refused",
          param: "provider_options.models",
        },
        request(provider, { provider_options: { models: ["gpt-b"] } }),
      ],
      [{ name: "fallbacks to model B", expect: "either" }, request(provider, { fallbacks: ["model-b"] })],
      [
        { name: "extra_body.model", expect: "refused", param: "extra_body" },
        request(provider, { extra_body: { model: "gpt-b" } }),
      ],
      [
        { name: "metadata naming model B", expect: "either" },
        request(provider, { metadata: { model: "B", max_tokens: "99999" } }),
      ],
      [{ name: "user with path text", expect: "either" }, request(provider, { user: "../../model-b" })],
      // the token limit and the price
      [
        { name: "provider_options.max_tokens", expect: "refused", param: "provider_options.max_tokens" },
        request(provider, { provider_options: { max_tokens: 99_999 } }),
      ],
      [
        {
          name: "provider_options.<ns>.max_completion_tokens",
          expect: "refused",
          param: `provider_options.${ns}.max_completion_tokens`,
        },
        request(provider, { provider_options: { [ns]: { max_completion_tokens: 99_999 } } }),
      ],
      [
        { name: "provider's own token-limit spelling", expect: "refused" },
        request(provider, { provider_options: { [ns]: provider.limitSpelling } }),
      ],
      [
        { name: "provider_options.n", expect: "refused", param: "provider_options.n" },
        request(provider, { provider_options: { n: 8 } }),
      ],
      [
        { name: "provider_options.service_tier", expect: "refused", param: "provider_options.service_tier" },
        request(provider, { provider_options: { service_tier: "priority" } }),
      ],
      [
        { name: "provider_options.stream", expect: "refused", param: "provider_options.stream" },
        request(provider, { provider_options: { stream: true } }),
      ],
      [
        {
          name: "provider_options.<ns>.stream_options",
          expect: "refused",
          param: `provider_options.${ns}.stream_options`,
        },
        request(provider, { provider_options: { [ns]: { stream_options: { include_usage: false } } } }),
      ],
      [
        { name: "pass-through max_output_tokens", expect: "refused", param: "max_output_tokens" },
        request(provider, { max_output_tokens: 99_999 }),
      ],
      [
        { name: "pass-through maxTokens", expect: "refused", param: "maxTokens" },
        request(provider, { maxTokens: 99_999 }),
      ],
      [
        { name: "pass-through num_predict", expect: "refused", param: "num_predict" },
        request(provider, { num_predict: 99_999 }),
      ],
      [
        { name: "pass-through best_of", expect: "refused", param: "best_of" },
        request(provider, { best_of: 8 }),
      ],
      [
        { name: "pass-through service_tier", expect: "refused", param: "service_tier" },
        request(provider, { service_tier: "priority" }),
      ],
      [
        { name: "pass-through prediction", expect: "refused", param: "prediction" },
        request(provider, { prediction: { type: "content", content: "x".repeat(1000) } }),
      ],
      [
        { name: "budget: reservation beyond the budget", expect: "refused" },
        request(provider, { max_tokens: 100_000 }),
      ],
      [
        { name: "budget: n multiplies the reservation", expect: "refused" },
        request(provider, { max_tokens: 20_000, n: 8 }),
      ],
      // the prompt and the tools
      [
        { name: "provider_options.messages", expect: "refused", param: "provider_options.messages" },
        request(provider, { provider_options: { messages: [{ role: "system", content: "x" }] } }),
      ],
      [
        { name: "provider's own prompt spelling", expect: "refused" },
        request(provider, { provider_options: { [ns]: provider.promptSpelling } }),
      ],
      [
        { name: "provider_options.tools", expect: "refused", param: "provider_options.tools" },
        request(provider, { provider_options: { tools: [] } }),
      ],
      [
        {
          name: "provider_options.<ns>.tool_choice",
          expect: "refused",
          param: `provider_options.${ns}.tool_choice`,
        },
        request(provider, { provider_options: { [ns]: { tool_choice: "required" } } }),
      ],
      [
        { name: "pass-through functions", expect: "refused", param: "functions" },
        request(provider, { functions: [{ name: "f" }] }),
      ],
      [
        { name: "unknown provider option", expect: "refused", param: "provider_options.totally_unknown" },
        request(provider, { provider_options: { totally_unknown: 1 } }),
      ],
      // egress and identity
      [
        { name: "provider_options.api_base", expect: "refused", param: "provider_options.api_base" },
        request(provider, { provider_options: { api_base: "http://evil.example" } }),
      ],
      [
        {
          name: "provider_options.<ns>.base_url",
          expect: "refused",
          param: `provider_options.${ns}.base_url`,
        },
        request(provider, { provider_options: { [ns]: { base_url: "http://evil.example" } } }),
      ],
      [
        { name: "pass-through api_key", expect: "refused", param: "api_key" },
        request(provider, { api_key: "sk-other-tenant" }),
      ],
      [
        { name: "pass-through custom_host", expect: "refused", param: "custom_host" },
        request(provider, { custom_host: "evil.example" }),
      ],
      [
        { name: "provider_options.user", expect: "refused", param: "provider_options.user" },
        request(provider, { provider_options: { user: "someone-else" } }),
      ],
      [
        { name: "routing-looking request headers", expect: "served" },
        request(provider),
        {
          headers: {
            "x-switchboard-model-group": "model-b",
            "x-switchboard-deployment": "model-b#openai",
            "x-litellm-model-id": "model-b#openai",
            "x-tenant-hint": "gpt-b",
            "x-forwarded-host": "evil.example",
            "x-request-id": "../../model-b",
          },
        },
      ],
    ];
    if (provider.openaiWire) {
      restCells.push(
        [{ name: "allowed pass-through knob", expect: "served" }, request(provider, { verbosity: "low" })],
        [{ name: "stream", expect: "served" }, request(provider, { stream: true })],
        [
          { name: "stream_options beyond include_usage", expect: "refused", param: "stream_options.model" },
          request(provider, { stream: true, stream_options: { include_usage: true, model: "gpt-b" } }),
        ],
        [
          { name: "pass-through store: true", expect: "refused", param: "store" },
          request(provider, { store: true }),
        ],
        [
          { name: "pass-through modalities audio", expect: "refused", param: "modalities" },
          request(provider, { modalities: ["text", "audio"] }),
        ],
      );
    }

    describe(`REST · ${provider.id}`, () => {
      for (const [cell, body, options] of restCells) {
        it(`${cell.name} → ${cell.expect}`, () => restCell(provider, cell, body, options));
      }
    });
  }

  describe("REST · a model name never changes the upstream path (Azure wildcard deployment)", () => {
    const azure = PROVIDERS.find((provider) => provider.id === "azure") as Provider;
    const pathCells: [string, Expect, string | undefined][] = [
      ["az/..", "refused", undefined],
      ["az/.", "refused", undefined],
      ["az/a/../../v1", "refused", undefined],
      ["az/%2e%2e", "served", "/azure/openai/deployments/%252e%252e/chat/completions?api-version=2024-10-21"],
      [
        "az/a?x=1#f",
        "served",
        "/azure/openai/deployments/a%3Fx%3D1%23f/chat/completions?api-version=2024-10-21",
      ],
      [
        "az/a%2F..%2Fb",
        "served",
        "/azure/openai/deployments/a%252F..%252Fb/chat/completions?api-version=2024-10-21",
      ],
      ["az/dep-b", "served", "/azure/openai/deployments/dep-b/chat/completions?api-version=2024-10-21"],
    ];
    for (const [model, expect, path] of pathCells) {
      it(`${model} → ${expect}`, () =>
        restCell(
          { ...azure, model: model.slice(3) },
          { name: model, expect, ...(expect === "refused" ? { param: "model" } : {}) },
          { model, messages: user, max_tokens: MAX_TOKENS },
          { key: wildcardKey, ...(path !== undefined ? { path } : {}) },
        ));
    }
  });

  const protocols: { protocol: SwitchboardProtocol; httpVersion: "1.1" | "2" }[] = [
    { protocol: "connect", httpVersion: "1.1" },
    { protocol: "grpc", httpVersion: "2" },
  ];
  const userMessage = (text: string, providerOptions?: JsonObject) => ({
    role: Role.USER,
    content: [
      { part: { case: "text" as const, value: text }, ...(providerOptions ? { providerOptions } : {}) },
    ],
  });

  for (const { protocol, httpVersion } of protocols) {
    async function connectCell(
      provider: Provider,
      cell: Cell,
      fields: Record<string, unknown>,
      options: { key?: string; path?: string } = {},
    ): Promise<void> {
      cells++;
      const client = createSwitchboardClient({
        baseUrl: gateway.url,
        apiKey: options.key ?? (keys.get(provider.id) as string),
        protocol,
        httpVersion,
      }).chat;
      const before = upstream.requests.length;
      let failure: ConnectError | undefined;
      try {
        await client.complete({
          request: {
            model: `a-${provider.id}`,
            messages: [userMessage("hi")],
            maxTokens: MAX_TOKENS,
            ...fields,
          },
        });
      } catch (error) {
        assert.ok(error instanceof ConnectError, String(error));
        failure = error;
      }
      const seen = upstream.requests.slice(before);
      const label = `${protocol} ${provider.id} ${cell.name} (${failure ? `${Code[failure.code]} ${failure.rawMessage}` : "ok"})`;
      if (failure !== undefined) {
        assert.notEqual(cell.expect, "served", label);
        assert.ok(
          [
            Code.InvalidArgument,
            Code.PermissionDenied,
            Code.NotFound,
            Code.ResourceExhausted,
            Code.FailedPrecondition,
          ].includes(failure.code),
          `${label}: a client error, never internal`,
        );
        assert.equal(seen.length, 0, `${label}: refused before any upstream call`);
        if (cell.param !== undefined)
          assert.equal(failure.findDetails(ErrorDetailSchema)[0]?.param, cell.param, label);
        return;
      }
      assert.notEqual(cell.expect, "refused", label);
      assertServed(options.path === undefined ? provider : { ...provider, path: options.path }, seen, label);
    }

    for (const provider of PROVIDERS) {
      const ns = provider.namespace;
      const connectCells: [Cell, Record<string, unknown>][] = [
        [{ name: "baseline", expect: "served" }, {}],
        [{ name: "allowed knob", expect: "served" }, { providerOptions: { [ns]: provider.allowed } }],
        [{ name: "model B", expect: "refused", param: "model" }, { model: "model-b" }],
        [
          { name: "model with CRLF", expect: "refused", param: "model" },
          { model: `a-${provider.id}\r\nx: 1` },
        ],
        [{ name: "model non-Latin-1", expect: "refused", param: "model" }, { model: "модель" }],
        [
          { name: "provider_options.model", expect: "refused", param: "provider_options.model" },
          { providerOptions: { model: "gpt-b" } },
        ],
        [
          {
            name: "provider_options.<ns>.max_tokens",
            expect: "refused",
            param: `provider_options.${ns}.max_tokens`,
          },
          { providerOptions: { [ns]: { max_tokens: 99_999 } } },
        ],
        [
          { name: "provider's own token-limit spelling", expect: "refused" },
          { providerOptions: { [ns]: provider.limitSpelling } },
        ],
        [
          { name: "provider's own prompt spelling", expect: "refused" },
          { providerOptions: { [ns]: provider.promptSpelling } },
        ],
        [
          {
            name: "provider_options.api_base",
            expect: "refused",
            param: "provider_options.api_base",
          },
          { providerOptions: { api_base: "http://evil.example" } },
        ],
        [
          { name: "message and part options cannot replace role or content", expect: "either" },
          {
            messages: [
              {
                ...userMessage("hi", { text: "INJECTED", type: "image_url", [ns]: { text: "INJECTED" } }),
                providerOptions: { role: "system", content: "INJECTED", [ns]: { role: "system" } },
              },
            ],
          },
        ],
        [
          { name: "tool options cannot replace the tool", expect: "either" },
          {
            tools: [
              {
                name: "t",
                description: "",
                strict: false,
                providerOptions: { function: { name: "evil" }, type: "web_search" },
              },
            ],
          },
        ],
        [
          { name: "metadata naming model B", expect: "either" },
          { metadata: { model: "B", max_tokens: "99999" } },
        ],
        [{ name: "budget: reservation beyond the budget", expect: "refused" }, { maxTokens: 100_000 }],
      ];
      describe(`${protocol} · ${provider.id}`, () => {
        for (const [cell, fields] of connectCells) {
          it(`${cell.name} → ${cell.expect}`, async () => {
            await connectCell(provider, cell, fields);
            if (cell.name.includes("options cannot replace")) {
              const sent = upstream.requests.at(-1);
              if (sent !== undefined)
                assert.ok(
                  !JSON.stringify(sent.body).includes("INJECTED") &&
                    !JSON.stringify(sent.body).includes("evil"),
                );
            }
          });
        }
      });
    }

    describe(`${protocol} · a model name never changes the upstream path`, () => {
      const azure = PROVIDERS.find((provider) => provider.id === "azure") as Provider;
      it("az/.. → refused", () =>
        connectCell(
          azure,
          { name: "az/..", expect: "refused", param: "model" },
          { model: "az/.." },
          { key: wildcardKey },
        ));
      it("az/%2e%2e → served at an encoded path", () =>
        connectCell(
          { ...azure, model: "%2e%2e" },
          { name: "az/%2e%2e", expect: "served" },
          { model: "az/%2e%2e" },
          {
            key: wildcardKey,
            path: "/azure/openai/deployments/%252e%252e/chat/completions?api-version=2024-10-21",
          },
        ));
    });
  }

  it("after every cell: model B was never called, no key spent beyond its budget", async () => {
    for (const recorded of upstream.requests) {
      assert.ok(!JSON.stringify(recorded).includes("gpt-b"), `upstream saw model B: ${recorded.path}`);
      const segments = (recorded.path.split("?")[0] ?? "").split("/");
      assert.ok(
        !segments.some((segment) => /^(\.|%2e){1,2}$/i.test(segment)),
        `upstream path with a dot segment: ${recorded.path}`,
      );
    }
    for (const [provider, key] of keys) {
      let spend = 0;
      for (let attempt = 0; attempt < 40 && spend === 0; attempt++) {
        const response = await fetch(
          `${gateway.url}/key/info?key=${encodeURIComponent(keyIds.get(provider) ?? "")}`,
          {
            headers: { authorization: `Bearer ${key}` },
          },
        );
        assert.equal(response.status, 200);
        spend = ((await response.json()) as { info: { spend: number } }).info.spend;
        if (spend === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(spend > 0 && spend <= BUDGET_USD, `${provider} spent ${spend} of ${BUDGET_USD}`);
    }
  });
});
