import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Authenticator } from "../../../src/auth/authenticator.js";
import { authenticationFailed } from "../../../src/auth/authenticator.js";
import { readConformanceJson } from "../../helpers/conformance.js";
import { MASTER_KEY, startTestGateway } from "../../helpers/gateway.js";
import { type FakeSurfacesUpstream, startFakeSurfacesUpstream } from "./fake-surfaces-upstream.js";
import { CANARIES, surfaceDeployments } from "./surface-deployments.js";

const LIMITED_KEY = "sk-limited-rerank-key-0000000000";
const DOCUMENTS = ["sunny day", "rainy day", "cold night", "warm night", "windy hill", "quiet sea"];

interface RerankAnswer {
  id: string;
  results: { index: number; relevance_score: number; document?: { text: string } }[];
  meta: { billed_units: Record<string, number>; tokens: { input_tokens: number } };
}

/** Each provider's recorded results, as (index, score) pairs in the recorded order. */
function recorded(file: string, list: "results" | "data", scoreKey: string): [number, number][] {
  const body = readConformanceJson(file) as Record<string, Record<string, number>[]>;
  return (body[list] ?? []).map((item) => [item["index"] as number, item[scoreKey] as number]);
}

const PROVIDERS: { model: string; path: string; expected: [number, number][]; tokens?: number }[] = [
  {
    model: "rr-cohere",
    path: "/cohere/v2/rerank",
    expected: recorded("cohere/rerank-v2.json", "results", "relevance_score"),
  },
  {
    model: "rr-voyage",
    path: "/voyage/v1/rerank",
    expected: recorded("voyage/rerank.json", "data", "relevance_score"),
    tokens: 12,
  },
  {
    model: "rr-together",
    path: "/together/v1/rerank",
    expected: recorded("openai-compatible/togetherai-rerank.json", "results", "relevance_score"),
    tokens: 2966,
  },
  {
    model: "rr-vllm",
    path: "/jina/v1/rerank",
    expected: recorded("openai-compatible/togetherai-rerank.json", "results", "relevance_score"),
    tokens: 2966,
  },
  {
    model: "rr-bedrock",
    path: "/bedrock-agent/rerank",
    expected: recorded("bedrock/rerank.json", "results", "relevanceScore"),
  },
];

describe("POST /v1/rerank (Cohere v2 shape, as LiteLLM serves it)", () => {
  let upstream: FakeSurfacesUpstream;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;

  async function rerank(body: unknown, key = MASTER_KEY, path = "/v1/rerank") {
    const response = await fetch(`${gateway.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  before(async () => {
    upstream = await startFakeSurfacesUpstream();
    const authenticator: Authenticator = {
      async authenticate(token) {
        if (token === MASTER_KEY) return { keyId: "master", role: "admin", display: "master" };
        if (token === LIMITED_KEY)
          return { keyId: "k1", role: "user", display: "sk-lim…0000", allowedModels: ["rr-voyage"] };
        throw authenticationFailed();
      },
    };
    gateway = await startTestGateway(surfaceDeployments(upstream.url), {
      authenticator,
      maxBodyBytes: 256 * 1024,
    });
  });

  after(async () => {
    await gateway.close(1_000);
    await upstream.close();
  });

  for (const { model, path, expected, tokens } of PROVIDERS) {
    it(`${model}: the recorded results in the provider's order, documents from the request when asked`, async () => {
      const before = upstream.calls.length;
      const answer = await rerank({
        model,
        query: "what is the weather",
        documents: DOCUMENTS,
        return_documents: true,
      });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(upstream.calls[before]?.path, path);
      const body = JSON.parse(answer.text) as RerankAnswer;
      assert.deepEqual(
        body.results.map((item) => [item.index, item.relevance_score]),
        expected,
      );
      for (const item of body.results) assert.equal(item.document?.text, DOCUMENTS[item.index]);
      if (tokens !== undefined) {
        assert.equal(body.meta.tokens.input_tokens, tokens);
        assert.equal(answer.headers.get("x-switchboard-usage-estimated"), null);
      } else {
        // No token count from the provider: the gateway's estimate, flagged.
        assert.equal(answer.headers.get("x-switchboard-usage-estimated"), "true");
        assert.ok(body.meta.tokens.input_tokens > 0);
      }
      for (const canary of Object.values(CANARIES)) assert.equal(answer.text.includes(canary), false);
    });
  }

  it("Cohere: the request body, and the billed search units in meta; /rerank answers the same", async () => {
    const before = upstream.calls.length;
    const answer = await rerank(
      { model: "rr-cohere", query: "q", documents: [{ text: "a" }, "b"], top_n: 2, max_tokens_per_doc: 512 },
      MASTER_KEY,
      "/rerank",
    );
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(upstream.calls[before]?.body, {
      model: "rerank-v3.5",
      query: "q",
      documents: ["a", "b"],
      top_n: 2,
      max_tokens_per_doc: 512,
    });
    assert.equal(upstream.calls[before]?.headers.authorization, `Bearer ${CANARIES.cohere}`);
    const body = JSON.parse(answer.text) as RerankAnswer;
    assert.equal(body.id, "b44fe75b-e3d3-489a-b61e-1a1aede3ef72");
    assert.equal(body.meta.billed_units["search_units"], 1);
    assert.equal(body.results[0]?.document, undefined);
  });

  it("Voyage: top_n is sent as top_k, documents are not echoed, and its `truncation` option passes", async () => {
    const before = upstream.calls.length;
    const answer = await rerank({
      model: "rr-voyage",
      query: "q",
      documents: ["a", "b"],
      top_n: 2,
      provider_options: { truncation: false },
    });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(upstream.calls[before]?.body, {
      query: "q",
      documents: ["a", "b"],
      model: "rerank-2.5",
      top_k: 2,
      truncation: false,
      return_documents: false,
    });
  });

  it("Bedrock: a SigV4-signed Agent Runtime call with the model's ARN and every document inline", async () => {
    const before = upstream.calls.length;
    const answer = await rerank({ model: "rr-bedrock", query: "q", documents: DOCUMENTS });
    assert.equal(answer.status, 200, answer.text);
    const call = upstream.calls[before];
    assert.match(
      String(call?.headers.authorization),
      /^AWS4-HMAC-SHA256 Credential=AKIDCANARYSURFACES\/\d{8}\/us-west-2\/bedrock\/aws4_request/,
    );
    assert.deepEqual(call?.body, {
      queries: [{ type: "TEXT", textQuery: { text: "q" } }],
      sources: DOCUMENTS.map((text) => ({
        type: "INLINE",
        inlineDocumentSource: { type: "TEXT", textDocument: { text } },
      })),
      rerankingConfiguration: {
        type: "BEDROCK_RERANKING_MODEL",
        bedrockRerankingConfiguration: {
          modelConfiguration: { modelArn: "arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0" },
          numberOfResults: DOCUMENTS.length,
        },
      },
    });
  });

  for (const model of ["chat-only", "instruct", "mock-gpt", "claude"]) {
    it(`${model}: a provider without a rerank API is a 400 naming the model, before any upstream call`, async () => {
      const before = upstream.calls.length;
      const answer = await rerank({ model, query: "q", documents: ["a"] });
      assert.equal(answer.status, 400, answer.text);
      assert.equal(JSON.parse(answer.text).error.param, "model");
      assert.equal(upstream.calls.length, before);
    });
  }

  describe("hostile tenant", () => {
    const refusals: [string, Record<string, unknown>, string][] = [
      ["a top-level api_base", { api_base: "http://evil.example" }, "api_base"],
      ["provider_options.api_base", { provider_options: { api_base: "http://evil.example" } }, "api_base"],
      [
        "provider_options.base_url nested",
        { provider_options: { voyage: { base_url: "http://evil.example" } } },
        "base_url",
      ],
      ["provider_options.model", { provider_options: { model: "rerank-2" } }, "model"],
      [
        "provider_options.voyage.documents",
        { provider_options: { voyage: { documents: ["x"] } } },
        "documents",
      ],
      ["rank_fields (not served)", { rank_fields: ["title"] }, "rank_fields"],
    ];
    for (const [label, extra, named] of refusals) {
      it(`${label} is refused (400 naming it) and never reaches an upstream`, async () => {
        const before = upstream.calls.length;
        const answer = await rerank({ model: "rr-voyage", query: "q", documents: ["a"], ...extra });
        assert.equal(answer.status, 400, answer.text);
        const error = JSON.parse(answer.text).error as { param: string | null; message: string };
        assert.ok((error.param ?? "").includes(named) || error.message.includes(named), answer.text);
        assert.equal(upstream.calls.length, before);
      });
    }

    it("a key without the model gets 403 naming the model; with it, 200", async () => {
      const denied = await rerank({ model: "rr-cohere", query: "q", documents: ["a", "b"] }, LIMITED_KEY);
      assert.equal(denied.status, 403);
      assert.equal(JSON.parse(denied.text).error.param, "model");
      const allowed = await rerank({ model: "rr-voyage", query: "q", documents: ["a", "b"] }, LIMITED_KEY);
      assert.equal(allowed.status, 200, allowed.text);
    });
  });

  describe("bad and oversize input", () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["no documents", { model: "rr-cohere", query: "q", documents: [] }, "documents"],
      ["1,001 documents", { model: "rr-cohere", query: "q", documents: Array(1001).fill("d") }, "documents"],
      ["an empty document", { model: "rr-cohere", query: "q", documents: ["a", ""] }, "documents[1]"],
      ["a document of the wrong type", { model: "rr-cohere", query: "q", documents: [3] }, "documents[0]"],
      ["an empty query", { model: "rr-cohere", query: "", documents: ["a"] }, "query"],
      ["no query", { model: "rr-cohere", documents: ["a"] }, "query"],
      ["top_n 0", { model: "rr-cohere", query: "q", documents: ["a"], top_n: 0 }, "top_n"],
      ["top_n beyond the documents", { model: "rr-cohere", query: "q", documents: ["a"], top_n: 2 }, "top_n"],
      [
        "max_tokens_per_doc 0",
        { model: "rr-cohere", query: "q", documents: ["a"], max_tokens_per_doc: 0 },
        "max_tokens_per_doc",
      ],
    ];
    for (const [label, body, param] of cases) {
      it(`${label}: 400 naming '${param}'`, async () => {
        const answer = await rerank(body);
        assert.equal(answer.status, 400, answer.text);
        assert.equal(JSON.parse(answer.text).error.param, param);
      });
    }

    it("a body over the size cap is 413", async () => {
      const answer = await rerank({ model: "rr-cohere", query: "q", documents: ["x".repeat(300 * 1024)] });
      assert.equal(answer.status, 413);
    });
  });

  describe("upstream faults", () => {
    it("an answer naming a document that was not sent is a 502 (upstream_protocol), never a short list", async () => {
      upstream.faults.push(
        ...Array.from({ length: 3 }, () => ({
          status: 200,
          body: JSON.stringify({ id: "x", results: [{ index: 99, relevance_score: 0.5 }] }),
        })),
      );
      const answer = await rerank({ model: "rr-cohere", query: "q", documents: ["a", "b"] });
      upstream.faults.length = 0;
      assert.equal(answer.status, 502, answer.text);
    });

    it("a 500 is retried and the retry answers", async () => {
      upstream.faults.push({ status: 500, body: JSON.stringify({ message: "boom" }) });
      const answer = await rerank({ model: "rr-cohere", query: "q", documents: ["a", "b"] });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.headers.get("x-switchboard-attempts"), "2");
    });

    it("an upstream 401 is a 502 with no secret in the body", async () => {
      upstream.faults.push(
        ...Array.from({ length: 3 }, () => ({
          status: 401,
          body: JSON.stringify({ detail: `bad key ${CANARIES.voyage}` }),
        })),
      );
      const answer = await rerank({ model: "rr-voyage", query: "q", documents: ["a", "b"] });
      upstream.faults.length = 0;
      assert.equal(answer.status, 502, answer.text);
      assert.equal(answer.text.includes(CANARIES.voyage), false);
    });
  });
});
