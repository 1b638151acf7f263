import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  bedrockRerankModelArn,
  parseBedrockRerankResponse,
} from "../../../src/providers/bedrock/bedrock-rerank.js";
import { parseCohereRerankResponse } from "../../../src/providers/cohere/cohere-rerank.js";
import { parseJinaRerankResponse } from "../../../src/providers/openai-compatible/family-rerank.js";
import { readRerankResults } from "../../../src/providers/shared/rerank-results.js";
import { parseVoyageRerankResponse } from "../../../src/providers/voyage/voyage-rerank.js";
import { readConformanceJson } from "../../helpers/conformance.js";

const isProtocol = (error: Error & { kind?: string }) => error.kind === "upstream_protocol";

describe("rerank answers from the recordings", () => {
  it("Cohere /v2/rerank: results in order, search units, no tokens", () => {
    const result = parseCohereRerankResponse(readConformanceJson("cohere/rerank-v2.json"), 2);
    assert.deepEqual(result.results, [
      { index: 1, relevanceScore: 0.10183054 },
      { index: 0, relevanceScore: 0.03762639 },
    ]);
    assert.equal(result.searchUnits, 1);
    assert.equal(result.promptTokens, undefined);
  });

  it("Voyage /v1/rerank: results under data, usage.total_tokens", () => {
    const result = parseVoyageRerankResponse(readConformanceJson("voyage/rerank.json"), 2);
    assert.deepEqual(
      result.results.map((item) => item.index),
      [1, 0],
    );
    assert.equal(result.promptTokens, 12);
  });

  it("Together /v1/rerank: usage.prompt_tokens; echoed documents ignored", () => {
    const result = parseJinaRerankResponse(
      "together_ai",
      readConformanceJson("openai-compatible/togetherai-rerank.json"),
      6,
    );
    assert.deepEqual(
      result.results.map((item) => item.index),
      [0, 5],
    );
    assert.equal(result.promptTokens, 2966);
    assert.equal(result.id, "oGs6Zt9-62bZhn-99529372487b1b0a");
  });

  it("Bedrock Rerank: camelCase scores, no usage; a paginated answer is refused", () => {
    const result = parseBedrockRerankResponse(readConformanceJson("bedrock/rerank.json"), 6);
    assert.deepEqual(result.results[0], { index: 0, relevanceScore: 0.5110583305358887 });
    assert.equal(result.promptTokens, undefined);
    assert.throws(() => parseBedrockRerankResponse({ results: [], nextToken: "n" }, 6), isProtocol);
  });

  it("an index outside the documents, a repeated index, or a missing score is upstream_protocol", () => {
    assert.throws(
      () => readRerankResults("x", [{ index: 2, relevance_score: 1 }], "relevance_score", 2),
      isProtocol,
    );
    assert.throws(
      () => readRerankResults("x", [{ index: -1, relevance_score: 1 }], "relevance_score", 2),
      isProtocol,
    );
    assert.throws(
      () => readRerankResults("x", [{ index: 0.5, relevance_score: 1 }], "relevance_score", 2),
      isProtocol,
    );
    assert.throws(
      () =>
        readRerankResults(
          "x",
          [
            { index: 0, relevance_score: 1 },
            { index: 0, relevance_score: 0.5 },
          ],
          "relevance_score",
          2,
        ),
      isProtocol,
    );
    assert.throws(() => readRerankResults("x", [{ index: 0 }], "relevance_score", 2), isProtocol);
    assert.throws(() => readRerankResults("x", undefined, "relevance_score", 2), isProtocol);
  });

  it("Bedrock model ids become foundation-model ARNs; anything else is refused, an ARN kept", () => {
    assert.equal(
      bedrockRerankModelArn("cohere.rerank-v3-5:0", "eu-central-1"),
      "arn:aws:bedrock:eu-central-1::foundation-model/cohere.rerank-v3-5:0",
    );
    const arn = "arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0";
    assert.equal(bedrockRerankModelArn(arn, "eu-central-1"), arn);
    assert.throws(() => bedrockRerankModelArn("../../evil", "us-east-1"));
    assert.throws(() => bedrockRerankModelArn("anthropic.claude-3-haiku", "us-east-1"));
  });
});
