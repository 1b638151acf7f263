import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import { cohereAdapter } from "../../../src/providers/cohere/index.js";
import { readJsonFixture, testDeployment } from "../../helpers/provider-fixtures.js";
import {
  buildEmbedCall,
  cassette,
  parseEmbedAnswer,
  texts,
  withoutNulls,
} from "../support/embed-fixtures.js";

describe("Cohere /v2/embed", () => {
  it("the recorded request (texts, input_type, embedding_types, truncate NONE)", async () => {
    const recorded = cassette("cohere/cassette-embed-v2.yaml");
    const deployment = testDeployment("cohere", "embed-v4.0");
    const call = await buildEmbedCall(cohereAdapter, deployment, {
      model: "x",
      input: texts("Hello, world!"),
    });
    // Normalisation: pydantic-ai sends `max_tokens: null` and `output_dimension: null`; we omit unset fields.
    assert.deepEqual(call.body, withoutNulls(recorded.request));
    assert.equal(call.url, "https://api.cohere.com/v2/embed");
    const result = parseEmbedAnswer(cohereAdapter, deployment, recorded.response, 1);
    assert.equal(result.promptTokens, 4);
    assert.equal(result.vectors[0]?.length, 1536);
  });

  it("two texts: order and billed input tokens", () => {
    const result = parseEmbedAnswer(
      cohereAdapter,
      testDeployment("cohere", "embed-english-v3.0"),
      readJsonFixture("cohere/embed-v2-two-texts.json"),
      2,
    );
    assert.equal(result.vectors.length, 2);
    assert.equal(result.promptTokens, 10);
    assert.equal((result.vectors[0] as number[])[0], 0.03302002);
  });

  it("dimensions: output_dimension on embed-v4 only, from its sizes", async () => {
    const v4 = await buildEmbedCall(cohereAdapter, testDeployment("cohere", "embed-v4.0"), {
      model: "x",
      input: texts("a"),
      dimensions: 1024,
    });
    assert.equal(v4.body["output_dimension"], 1024);
    await assert.rejects(
      buildEmbedCall(cohereAdapter, testDeployment("cohere", "embed-v4.0"), {
        model: "x",
        input: texts("a"),
        dimensions: 100,
      }),
      (error: unknown) => error instanceof GatewayError && error.param === "dimensions",
    );
    await assert.rejects(
      buildEmbedCall(cohereAdapter, testDeployment("cohere", "embed-english-v3.0"), {
        model: "x",
        input: texts("a"),
        dimensions: 256,
      }),
      (error: unknown) => error instanceof GatewayError && error.kind === "unsupported_parameter",
    );
  });

  it("input_type from provider options reaches the wire", async () => {
    const call = await buildEmbedCall(cohereAdapter, testDeployment("cohere", "embed-v4.0"), {
      model: "x",
      input: texts("doc"),
      providerOptions: { cohere: { input_type: "search_document" } },
    });
    assert.equal(call.body["input_type"], "search_document");
  });

  it("the recorded 404 {id, message} maps to model_not_found", () => {
    const recorded = cassette("errors/cohere-404-embed-model-not-found.cassette.yaml");
    const error = cohereAdapter.parseError(404, JSON.stringify(recorded.response), {});
    assert.equal(error.kind, "model_not_found");
  });
});
