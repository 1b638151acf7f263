import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  createSwitchboardClient,
  EmbedResponseSchema,
  embeddingValues,
  type SwitchboardProtocol,
} from "../../../clients/typescript/src/index.js";
import { MASTER_KEY, startTestGateway } from "../../helpers/gateway.js";
import { embeddingDeployments } from "./embedding-deployments.js";
import {
  type FakeEmbeddingsUpstream,
  markedVector,
  startFakeEmbeddingsUpstream,
} from "./fake-embeddings-upstream.js";

describe("EmbeddingsService.Embed through the generated client", () => {
  let upstream: FakeEmbeddingsUpstream;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;

  before(async () => {
    upstream = await startFakeEmbeddingsUpstream();
    gateway = await startTestGateway(embeddingDeployments(upstream.url));
  });

  after(async () => {
    await gateway.close(1_000);
    await upstream.close();
  });

  const protocols: [SwitchboardProtocol, "1.1" | "2"][] = [
    ["connect", "1.1"],
    ["connect", "2"],
    ["grpc", "2"],
    ["grpc-web", "1.1"],
  ];
  for (const [protocol, httpVersion] of protocols) {
    it(`${protocol} over HTTP/${httpVersion}: vectors as packed float32 bytes, in order, with usage and routing`, async () => {
      const client = createSwitchboardClient({
        baseUrl: gateway.url,
        apiKey: MASTER_KEY,
        protocol,
        httpVersion,
      }).embeddings;
      const response = await client.embed({
        model: "emb-cohere",
        input: { case: "texts", value: { values: ["a 0", "b 1", "c 2"] } },
        dimensions: 1024,
        providerOptions: { input_type: "search_document" },
      });
      assert.equal(response.embeddings.length, 3);
      for (const [index, embedding] of response.embeddings.entries()) {
        assert.equal(embedding.index, index);
        const expected = markedVector("cohere", index);
        const values = embeddingValues(embedding);
        assert.equal(embedding.values.byteLength, expected.length * 4);
        assert.equal(values[0], index);
        assert.equal(values[1], Math.fround(expected[1] as number));
      }
      assert.equal(response.usage?.promptTokens, 6n);
      assert.equal(response.usage?.estimated, false);
      assert.equal(response.routing?.provider, "cohere");
      const last = upstream.calls.at(-1);
      assert.equal(last?.body["input_type"], "search_document");
      assert.equal(last?.body["output_dimension"], 1024);
    });
  }

  it("packed floats cost 4 bytes a value on the wire (vs base64's 5.33 and JSON's ~10+)", async () => {
    const client = createSwitchboardClient({ baseUrl: gateway.url, apiKey: MASTER_KEY }).embeddings;
    const response = await client.embed({
      model: "emb-openai",
      input: { case: "texts", value: { values: ["x 0"] } },
    });
    const values = (response.embeddings[0]?.values.byteLength ?? 0) / 4;
    const bytes = toBinary(EmbedResponseSchema, response).length;
    const embeddingBytes = toBinary(EmbedResponseSchema, {
      ...response,
      usage: undefined,
      routing: undefined,
      model: "",
    }).length;
    assert.ok(values > 1000);
    // 4 bytes a float plus a few bytes of framing per message.
    assert.ok(embeddingBytes <= values * 4 + 16, `${embeddingBytes} bytes for ${values} floats`);
    assert.ok(bytes > embeddingBytes);
  });

  it("token-id inputs reach OpenAI; the estimated flag is set where the provider reports nothing", async () => {
    const client = createSwitchboardClient({ baseUrl: gateway.url, apiKey: MASTER_KEY }).embeddings;
    const before = upstream.calls.length;
    await client.embed({
      model: "emb-openai",
      input: { case: "tokens", value: { values: [{ ids: [5, 6] }] } },
    });
    assert.deepEqual(upstream.calls[before]?.body["input"], [[5, 6]]);
    const estimated = await client.embed({
      model: "emb-gemini",
      input: { case: "texts", value: { values: ["q"] } },
    });
    assert.equal(estimated.usage?.estimated, true);
    assert.ok((estimated.usage?.promptTokens ?? 0n) > 0n);
  });

  it("bad input is InvalidArgument naming the field; an unknown model NotFound; no key Unauthenticated", async () => {
    const client = createSwitchboardClient({
      baseUrl: gateway.url,
      apiKey: MASTER_KEY,
      protocol: "grpc",
    }).embeddings;
    await assert.rejects(client.embed({ model: "emb-openai" }), (error: unknown) => {
      return (
        error instanceof ConnectError && error.code === Code.InvalidArgument && /input/.test(error.message)
      );
    });
    await assert.rejects(
      client.embed({ model: "emb-openai", input: { case: "texts", value: { values: ["ok", ""] } } }),
      (error: unknown) =>
        error instanceof ConnectError &&
        error.code === Code.InvalidArgument &&
        /input\[1\]/.test(error.message),
    );
    await assert.rejects(
      client.embed({ model: "nope", input: { case: "texts", value: { values: ["a"] } } }),
      (error: unknown) => error instanceof ConnectError && error.code === Code.NotFound,
    );
    const anonymous = createSwitchboardClient({
      baseUrl: gateway.url,
      apiKey: "sk-wrong",
      protocol: "grpc",
    }).embeddings;
    await assert.rejects(
      anonymous.embed({ model: "emb-openai", input: { case: "texts", value: { values: ["a"] } } }),
      (error: unknown) => error instanceof ConnectError && error.code === Code.Unauthenticated,
    );
  });
});
