import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import { createBedrockEmbeddings } from "../../../src/providers/bedrock/bedrock-embeddings.js";
import { bedrockAdapter } from "../../../src/providers/bedrock/index.js";
import { testDeployment } from "../../helpers/provider-fixtures.js";
import { buildEmbedCall, cassette, parseEmbedAnswer, texts } from "../support/embed-fixtures.js";

function bedrock(model: string) {
  return testDeployment("bedrock", model, {
    params: {
      extra: {
        aws_access_key_id: "AKIDEXAMPLE",
        aws_secret_access_key: "secret-example",
        aws_region_name: "us-east-1",
      },
    },
  });
}

describe("Bedrock Titan text v2", () => {
  it("one inputText a call, dimensions and normalize: the recorded request; the URL encodes the model id", async () => {
    const recorded = cassette("bedrock/cassette-invoke-titan-embed-v2-dimensions.yaml");
    const deployment = bedrock("amazon.titan-embed-text-v2:0");
    const call = await buildEmbedCall(bedrockAdapter, deployment, {
      model: "x",
      input: texts("Test embedding dimensions"),
      dimensions: 256,
    });
    assert.deepEqual(call.body, recorded.request);
    assert.equal(
      call.url,
      "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-embed-text-v2%3A0/invoke",
    );
    assert.match(call.headers["authorization"] ?? "", /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
    assert.equal(bedrockAdapter.embeddings?.maxInputsPerCall(deployment), 1);
    const result = parseEmbedAnswer(bedrockAdapter, deployment, recorded.response, 1, recorded.headers);
    assert.equal(result.promptTokens, 4);
    assert.equal(result.vectors[0]?.length, 256);
  });

  it("dimensions outside 256/512/1024 are a 400 naming dimensions", async () => {
    await assert.rejects(
      buildEmbedCall(bedrockAdapter, bedrock("amazon.titan-embed-text-v2:0"), {
        model: "x",
        input: texts("a"),
        dimensions: 300,
      }),
      (error: unknown) =>
        error instanceof GatewayError && error.param === "dimensions" && error.kind === "invalid_request",
    );
  });
});

describe("Bedrock Cohere embed", () => {
  it("v3: the recorded request; usage only in x-amzn-bedrock-input-token-count; echoed texts dropped", async () => {
    const recorded = cassette("bedrock/cassette-invoke-cohere-embed-v3.yaml");
    const deployment = bedrock("cohere.embed-english-v3");
    const call = await buildEmbedCall(bedrockAdapter, deployment, {
      model: "x",
      input: texts("Hello, world!"),
    });
    assert.deepEqual(call.body, recorded.request);
    assert.equal(bedrockAdapter.embeddings?.maxInputsPerCall(deployment), 96);
    const result = parseEmbedAnswer(bedrockAdapter, deployment, recorded.response, 1, recorded.headers);
    assert.equal(result.promptTokens, 4);
    assert.equal(result.vectors[0]?.length, 1024);
    const noHeader = parseEmbedAnswer(bedrockAdapter, deployment, recorded.response, 1, {});
    assert.equal(noHeader.promptTokens, undefined);
  });

  it("v4 with output_dimension 512: the recorded request and embeddings_by_type answer", async () => {
    const recorded = cassette("bedrock/cassette-invoke-cohere-embed-v4-dimensions.yaml");
    const deployment = bedrock("cohere.embed-v4:0");
    const call = await buildEmbedCall(bedrockAdapter, deployment, {
      model: "x",
      input: texts("Test dimensions setting"),
      dimensions: 512,
    });
    assert.deepEqual(call.body, recorded.request);
    const result = parseEmbedAnswer(bedrockAdapter, deployment, recorded.response, 1, recorded.headers);
    assert.equal(result.promptTokens, 3);
    assert.equal(result.vectors[0]?.length, 512);
  });

  it("v3 takes no dimensions (400 unsupported_parameter); a bad input_type is a 400 naming it", async () => {
    await assert.rejects(
      buildEmbedCall(bedrockAdapter, bedrock("cohere.embed-english-v3"), {
        model: "x",
        input: texts("a"),
        dimensions: 256,
      }),
      (error: unknown) => error instanceof GatewayError && error.param === "dimensions",
    );
    await assert.rejects(
      buildEmbedCall(bedrockAdapter, bedrock("cohere.embed-english-v3"), {
        model: "x",
        input: texts("a"),
        providerOptions: { input_type: "poetry" },
      }),
      (error: unknown) => error instanceof GatewayError && error.param === "provider_options.input_type",
    );
  });

  it("a model that is not an embedding model is a 400 naming model", () => {
    assert.throws(
      () => createBedrockEmbeddings().maxInputsPerCall(bedrock("anthropic.claude-3-haiku-20240307-v1:0")),
      (error: unknown) => error instanceof GatewayError && error.param === "model",
    );
  });
});
