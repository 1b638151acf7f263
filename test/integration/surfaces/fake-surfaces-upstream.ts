/**
 * One fake upstream on 127.0.0.1:0 for the legacy completions, rerank and moderations surfaces, replaying the
 * recordings in test/fixtures/conformance: OpenAI's `/completions` unary (openai/completions-basic.json, or the
 * ruby-openai cassette's answer for its own request) and stream (openai/completions-stream.chunks.jsonl framed as
 * `data: <line>\n\n` + `data: [DONE]`), every provider's rerank answer, and `/moderations`
 * (openai/moderations-basic.json). Each request is recorded; `faults` forces the next answers.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parse } from "yaml";
import { readChunks, readConformance, readConformanceJson } from "../../helpers/conformance.js";

export interface ReceivedCall {
  path: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

export interface FakeSurfacesUpstream {
  url: string;
  calls: ReceivedCall[];
  faults: { status: number; body: string; headers?: Record<string, string> }[];
  /** Stop a stream after this many chunks and hold the connection (a stalled upstream); undefined: never. */
  holdStreamAfter: number | undefined;
  close(): Promise<void>;
}

/** The ruby-openai VCR cassette of one legacy completion: its request body and response body, as recorded. */
export function completionCassette(): {
  request: Record<string, unknown>;
  response: Record<string, unknown>;
} {
  const cassette = parse(readConformance("openai/vcr-completions-basic.yml")) as {
    http_interactions: { request: { body: { string: string } }; response: { body: { string: string } } }[];
  };
  const interaction = cassette.http_interactions[0];
  if (interaction === undefined) throw new Error("empty cassette");
  return {
    request: JSON.parse(interaction.request.body.string) as Record<string, unknown>,
    response: JSON.parse(interaction.response.body.string) as Record<string, unknown>,
  };
}

/** The ruby-openai VCR cassette of one moderation: request and response bodies. */
export function moderationCassette(): {
  request: Record<string, unknown>;
  response: Record<string, unknown>;
} {
  const cassette = parse(readConformance("openai/vcr-moderations.yml")) as {
    http_interactions: { request: { body: { string: string } }; response: { body: { string: string } } }[];
  };
  const interaction = cassette.http_interactions[0];
  if (interaction === undefined) throw new Error("empty cassette");
  return {
    request: JSON.parse(interaction.request.body.string) as Record<string, unknown>,
    response: JSON.parse(interaction.response.body.string) as Record<string, unknown>,
  };
}

export const COMPLETION_STREAM = readChunks("openai/completions-stream.chunks.jsonl");
export const COMPLETION_BASIC = readConformanceJson("openai/completions-basic.json") as Record<
  string,
  unknown
>;

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(typeof body === "string" ? body : JSON.stringify(body));
}

function answer(
  state: FakeSurfacesUpstream,
  path: string,
  body: Record<string, unknown>,
  response: ServerResponse,
) {
  if (path.endsWith("/completions")) {
    if (body["stream"] === true) {
      response.writeHead(200, { "content-type": "text/event-stream" });
      const hold = state.holdStreamAfter;
      const lines = hold === undefined ? COMPLETION_STREAM : COMPLETION_STREAM.slice(0, hold);
      for (const line of lines) response.write(`data: ${line}\n\n`);
      if (hold === undefined) response.end("data: [DONE]\n\n");
      return;
    }
    const cassette = completionCassette();
    send(response, 200, body["prompt"] === cassette.request["prompt"] ? cassette.response : COMPLETION_BASIC);
    return;
  }
  if (path.endsWith("/moderations")) {
    send(response, 200, readConformanceJson("openai/moderations-basic.json"));
    return;
  }
  if (path === "/cohere/v2/rerank") {
    send(response, 200, readConformanceJson("cohere/rerank-v2.json"));
    return;
  }
  if (path === "/voyage/v1/rerank") {
    send(response, 200, readConformanceJson("voyage/rerank.json"));
    return;
  }
  if (path === "/together/v1/rerank" || path === "/jina/v1/rerank") {
    send(response, 200, readConformanceJson("openai-compatible/togetherai-rerank.json"));
    return;
  }
  if (path === "/bedrock-agent/rerank") {
    send(response, 200, readConformanceJson("bedrock/rerank.json"));
    return;
  }
  send(response, 404, { error: { message: `fake: no route ${path}` } });
}

export async function startFakeSurfacesUpstream(): Promise<FakeSurfacesUpstream> {
  const state: FakeSurfacesUpstream = {
    url: "",
    calls: [],
    faults: [],
    holdStreamAfter: undefined,
    close: async () => undefined,
  };
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
      answer(state, path, body, response);
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
