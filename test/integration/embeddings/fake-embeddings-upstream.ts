/**
 * One fake upstream on 127.0.0.1:0 that speaks every provider's embeddings wire under its own path prefix, and
 * answers with vectors taken from the recordings in test/fixtures/conformance: each input gets the provider's
 * recorded vector with its first value replaced by the input's position (so order is checkable after splitting
 * and re-assembly). Usage follows each provider's recorded shape (none for gemini-embedding-001, a header only for
 * Bedrock Cohere, `total_tokens` only for Voyage). Every request is recorded.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { encodeVectorBase64 } from "../../../src/core/embeddings/vector-encoding.js";
import { readCassette, readJsonFixture } from "../../helpers/provider-fixtures.js";

export interface ReceivedCall {
  path: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

export interface FakeEmbeddingsUpstream {
  url: string;
  calls: ReceivedCall[];
  /** Next answers to force (status + raw body), in order, before the normal replay resumes. */
  faults: { status: number; body: string; headers?: Record<string, string> }[];
  close(): Promise<void>;
}

function firstVector(value: unknown): number[] {
  return value as number[];
}

/** Recorded vectors, one per provider. */
const RECORDED = {
  openai: firstVector(
    (readJsonFixture("openai/embeddings-float.json") as { data: { embedding: unknown }[] }).data[0]
      ?.embedding,
  ),
  gemini: firstVector(
    (readJsonFixture("gemini/batch-embed-contents-001.json") as { embeddings: { values: unknown }[] })
      .embeddings[0]?.values,
  ),
  mistral: firstVector(
    (readJsonFixture("mistral/embeddings.json") as { data: { embedding: unknown }[] }).data[0]?.embedding,
  ),
  ollama: firstVector(
    (readJsonFixture("ollama/embed-multiple.json") as { response: { embeddings: unknown[] } }).response
      .embeddings[0],
  ),
  cohere: firstVector(
    (readJsonFixture("cohere/embed-v2-two-texts.json") as { embeddings: { float: unknown[] } }).embeddings
      .float[0],
  ),
  titan: firstVector(
    (
      readCassette("bedrock/cassette-invoke-titan-embed-v2-dimensions.yaml")[0]?.response.parsed_body as
        | { embedding: unknown }
        | undefined
    )?.embedding,
  ),
  vertex: firstVector(
    (
      readJsonFixture("gemini/recording-vertex-predict-embedding.json") as {
        interactions: {
          response: { bodySegments: { predictions: { embeddings: { values: unknown } }[] }[] };
        }[];
      }
    ).interactions[0]?.response.bodySegments[0]?.predictions[0]?.embeddings.values,
  ),
};

/** The recorded vector for input `index`, its first value replaced by the index. */
export function markedVector(provider: keyof typeof RECORDED, index: number): number[] {
  const vector = [...RECORDED[provider]];
  vector[0] = index;
  return vector;
}

function inputIndex(text: unknown, fallback: number): number {
  const match = typeof text === "string" ? /(\d+)$/.exec(text) : null;
  return match ? Number(match[1]) : fallback;
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(text);
}

function answer(path: string, body: Record<string, unknown>, response: ServerResponse): void {
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  if (path.includes(":batchEmbedContents")) {
    const requests = list(body["requests"]) as { content: { parts: { text: string }[] } }[];
    const withUsage = !path.includes("gemini-embedding-001");
    send(response, 200, {
      embeddings: requests.map((entry, position) => ({
        values: markedVector("gemini", inputIndex(entry.content.parts[0]?.text, position)),
      })),
      ...(withUsage ? { usageMetadata: { promptTokenCount: requests.length * 2 } } : {}),
    });
    return;
  }
  if (path.includes(":predict")) {
    const instances = list(body["instances"]) as { content: string }[];
    send(response, 200, {
      predictions: instances.map((instance, position) => ({
        embeddings: {
          statistics: { token_count: 2, truncated: false },
          values: markedVector("vertex", inputIndex(instance.content, position)),
        },
      })),
      metadata: { billableCharacterCount: 10 },
    });
    return;
  }
  if (path.startsWith("/bedrock/model/")) {
    if (body["inputText"] !== undefined) {
      send(
        response,
        200,
        { embedding: markedVector("titan", inputIndex(body["inputText"], 0)), inputTextTokenCount: 3 },
        { "x-amzn-bedrock-input-token-count": "3" },
      );
      return;
    }
    const texts = list(body["texts"]);
    send(
      response,
      200,
      {
        embeddings: texts.map((text, position) => markedVector("cohere", inputIndex(text, position))),
        id: "fake",
        response_type: "embeddings_floats",
        texts,
      },
      { "x-amzn-bedrock-input-token-count": String(texts.length * 2) },
    );
    return;
  }
  if (path === "/cohere/v2/embed") {
    const texts = list(body["texts"]);
    send(response, 200, {
      id: "fake",
      embeddings: {
        float: texts.map((text, position) => markedVector("cohere", inputIndex(text, position))),
      },
      meta: { billed_units: { input_tokens: texts.length * 2 } },
      response_type: "embeddings_by_type",
    });
    return;
  }
  if (path === "/ollama/api/embed") {
    const inputs = list(body["input"]);
    send(response, 200, {
      model: body["model"],
      embeddings: inputs.map((text, position) => markedVector("ollama", inputIndex(text, position))),
    });
    return;
  }
  if (path.endsWith("/embeddings") || path.includes("/embeddings?")) {
    // OpenAI's wire: OpenAI, Azure, Mistral, Voyage, vLLM.
    const inputs = list(body["input"]);
    const family: keyof typeof RECORDED = path.startsWith("/mistral") ? "mistral" : "openai";
    const base64 = body["encoding_format"] === "base64";
    const voyage = path.startsWith("/voyage");
    send(response, 200, {
      object: "list",
      data: inputs.map((text, position) => {
        const vector = markedVector(family, inputIndex(text, position));
        return {
          object: "embedding",
          index: position,
          embedding: base64 ? encodeVectorBase64(new Float32Array(vector)) : vector,
        };
      }),
      model: body["model"],
      usage: voyage
        ? { total_tokens: inputs.length * 2 }
        : { prompt_tokens: inputs.length * 2, total_tokens: inputs.length * 2 },
    });
    return;
  }
  send(response, 404, { error: { message: `fake: no route ${path}` } });
}

export async function startFakeEmbeddingsUpstream(): Promise<FakeEmbeddingsUpstream> {
  const state: FakeEmbeddingsUpstream = { url: "", calls: [], faults: [], close: async () => undefined };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "/";
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } catch {
        body = {};
      }
      state.calls.push({ path, headers: request.headers, body });
      const fault = state.faults.shift();
      if (fault !== undefined) {
        send(response, fault.status, fault.body, fault.headers);
        return;
      }
      answer(path, body, response);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    server.closeAllConnections();
    server.close();
    await once(server, "close");
  };
  return state;
}
