import * as assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { GatewayError } from "../../src/core/errors/gateway-error.js";
import type { ChatEvent, ChatRequest } from "../../src/core/types/chat.js";
import type { HttpProviderAdapter } from "../../src/core/types/provider.js";
import { azureAdapter } from "../../src/providers/azure/index.js";
import { bedrockAdapter } from "../../src/providers/bedrock/index.js";
import { cohereAdapter } from "../../src/providers/cohere/index.js";
import { mistralAdapter } from "../../src/providers/mistral/index.js";
import { ollamaAdapter } from "../../src/providers/ollama/index.js";
import { openAICompatibleAdapters } from "../../src/providers/openai-compatible/index.js";
import { DEFAULT_ATTEMPT_LIMITS, UpstreamExecutor } from "../../src/providers/shared/execute.js";
import type { ContractScenario, FakeReply } from "../contract/provider-fixture-tables.js";
import { providerTablesB } from "../contract/provider-fixture-tables-b.js";
import { collect } from "./support/collect-events.js";
import { makeContext, makeDeployment } from "./support/deployment.js";

/**
 * Runs every contract-table entry of this providers through its adapter and the real executor against a
 * loopback fake, so the tables are known to be right before the lead's suite runner consumes them.
 */

const adapters = new Map<string, HttpProviderAdapter>(
  [
    bedrockAdapter,
    cohereAdapter,
    ollamaAdapter,
    mistralAdapter,
    azureAdapter,
    ...openAICompatibleAdapters,
  ].map((adapter) => [adapter.id, adapter]),
);

const STREAMED: ContractScenario[] = [
  "streamed",
  "tools_single",
  "tools_parallel",
  "tools_no_args",
  "reasoning",
  "usage_in_stream",
  "error_overloaded_midstream",
];
const EXPECTED_ERROR: Partial<Record<ContractScenario, string>> = {
  error_bad_request: "upstream_bad_request",
  error_not_found: "model_not_found",
  error_rate_limited: "upstream_rate_limited",
  error_overloaded_midstream: "upstream_unavailable",
};

let server: Server;
let origin = "";
let reply: FakeReply | undefined;
let seenPath = "";
const executor = new UpstreamExecutor();

before(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      seenPath = request.url ?? "";
      if (reply === undefined) {
        response.writeHead(500).end();
        return;
      }
      response.writeHead(reply.status, { "content-type": reply.contentType, ...reply.headers });
      response.end(reply.body());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await executor.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const weather = {
  name: "weather",
  parameters: { type: "object", properties: { location: { type: "string" } } },
};

describe("contract tables of issue 4 against their adapters", () => {
  for (const table of providerTablesB) {
    for (const [scenario, entry] of Object.entries(table.scenarios) as [ContractScenario, FakeReply][]) {
      it(`${table.provider} · ${scenario}${entry.synthetic ? " (synthetic body)" : ""}`, async () => {
        const adapter = adapters.get(table.provider);
        assert.ok(adapter, `adapter ${table.provider}`);
        reply = entry;
        const deployment = makeDeployment(table.provider, table.model, {
          apiBase: origin,
          apiKey: "contract-key",
          extra: table.extra ?? {},
        });
        const stream = STREAMED.includes(scenario);
        const request: ChatRequest = {
          model: `${table.provider}/${table.model}`,
          messages: [{ role: "user", content: "hello" }],
          ...(scenario.startsWith("tools") ? { tools: [weather] } : {}),
        };
        const signal = new AbortController().signal;
        const run = async (): Promise<ChatEvent[]> => {
          if (!stream) {
            await executor.complete(
              adapter,
              request,
              makeContext(deployment),
              signal,
              DEFAULT_ATTEMPT_LIMITS,
            );
            return [];
          }
          const upstream = await executor.stream(
            adapter,
            request,
            makeContext(deployment, true),
            signal,
            DEFAULT_ATTEMPT_LIMITS,
          );
          const batches = [upstream.first];
          for (let next = await upstream.rest.next(); !next.done; next = await upstream.rest.next())
            batches.push(next.value);
          return collect(batches).events;
        };
        const expectedKind = EXPECTED_ERROR[scenario];
        if (expectedKind !== undefined) {
          await assert.rejects(
            run(),
            (error: unknown) => error instanceof GatewayError && error.kind === expectedKind,
          );
        } else {
          const events = await run();
          if (stream) {
            assert.ok(
              events.some((event) => event.type === "finish"),
              "a finish event",
            );
            if (scenario === "usage_in_stream") assert.equal(events.at(-1)?.type, "usage");
            if (scenario.startsWith("tools"))
              assert.ok(events.some((event) => event.type === "tool-call-end"));
            if (scenario === "reasoning") assert.ok(events.some((event) => event.type === "reasoning-delta"));
          }
        }
        assert.equal(seenPath, entry.path, "the adapter called the path the table names");
      });
    }
  }
});
