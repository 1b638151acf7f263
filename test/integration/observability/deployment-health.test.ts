/**
 * `GET /health` (LiteLLM's deployment check): each deployment asked on demand with the smallest real request —
 * chat one token, embeddings one input — healthy and unhealthy endpoints reported without credentials, wildcard
 * groups skipped, one group with `?model=`, and only for the master key.
 */
import * as assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import type { HealthReport } from "../../../src/observability/deployment-checks.js";
import { deployment, startTestGateway } from "../../helpers/gateway.js";
import {
  type FakeEmbeddingsUpstream,
  startFakeEmbeddingsUpstream,
} from "../embeddings/fake-embeddings-upstream.js";

const UPSTREAM_KEY = "sk-health-upstream-canary-5521";

let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let embeddings: FakeEmbeddingsUpstream;
let refusing: Server;
let refusingUrl = "";
let refusingCalls = 0;

before(async () => {
  embeddings = await startFakeEmbeddingsUpstream();
  // An upstream that refuses our credential and echoes it back, as some proxies do.
  refusing = createServer((request, response) => {
    refusingCalls++;
    request.resume();
    response.writeHead(401, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${UPSTREAM_KEY}` } }));
  });
  refusing.listen(0, "127.0.0.1");
  await once(refusing, "listening");
  refusingUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
  gateway = await startTestGateway([
    deployment("mock-gpt", "mock", "fixed"),
    deployment("mock/*", "mock", "*"),
    deployment("broken-gpt", "openai", "gpt-4o-mini", {
      apiBase: `http://user:pa55word@${refusingUrl.slice("http://".length)}/v1?token=abc`,
      apiKey: UPSTREAM_KEY,
    }),
    deployment("embedder", "openai", "text-embedding-3-small", {
      apiBase: `${embeddings.url}/v1`,
      apiKey: UPSTREAM_KEY,
    }),
  ]);
});

after(async () => {
  await gateway.close();
  await embeddings.close();
  refusing.closeAllConnections();
  refusing.close();
});

async function health(
  query = "",
  headers = gateway.headers,
): Promise<{ status: number; body: HealthReport }> {
  const response = await fetch(`${gateway.url}/health${query}`, { headers });
  return { status: response.status, body: (await response.json()) as HealthReport };
}

test("every deployment is asked once: healthy, unhealthy (scrubbed), wildcard skipped", async () => {
  embeddings.calls.length = 0;
  refusingCalls = 0;
  const { status, body } = await health();
  assert.equal(status, 200);
  assert.deepEqual(
    body.healthy_endpoints.map((endpoint) => [endpoint.model_group, endpoint.mode]),
    [
      ["embedder", "embedding"],
      ["mock-gpt", "chat"],
    ],
  );
  assert.equal(body.healthy_count, 2);
  assert.equal(body.unhealthy_count, 1);
  const broken = body.unhealthy_endpoints[0];
  assert.equal(broken?.model_group, "broken-gpt");
  assert.equal(broken?.model, "openai/gpt-4o-mini");
  assert.ok(broken?.error !== undefined && broken.error.length > 0);
  assert.equal(broken?.api_base, `${refusingUrl}/v1`, "no user info, no query string");
  assert.deepEqual(
    body.skipped.map((entry) => entry.model_group),
    ["mock/*"],
  );
  // The embeddings deployment got one embeddings call with one input; the chat one a single-token request.
  assert.equal(embeddings.calls.length, 1);
  assert.deepEqual(embeddings.calls[0]?.body.input, ["ping"]);
  assert.equal(refusingCalls, 1, "an unhealthy deployment is asked once: no retries in a check");
  const text = JSON.stringify(body);
  for (const secret of [UPSTREAM_KEY, "pa55word", "token=abc"]) assert.ok(!text.includes(secret), secret);
});

test("?model= checks one group only", async () => {
  embeddings.calls.length = 0;
  const { body } = await health("?model=mock-gpt");
  assert.equal(body.healthy_count, 1);
  assert.equal(body.unhealthy_count, 0);
  assert.equal(embeddings.calls.length, 0);
});

test("only the master key may ask (each check spends tokens)", async () => {
  const anonymous = await fetch(`${gateway.url}/health`);
  assert.equal(anonymous.status, 401);
  await anonymous.arrayBuffer();
});
