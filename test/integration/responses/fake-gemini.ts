import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { frameChunks, readFixture } from "../../helpers/provider-fixtures.js";

export interface FakeGemini {
  baseUrl: string;
  /** Request paths and bodies received, in order. */
  requests: { path: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

/**
 * A fake Gemini upstream replaying recordings from test/fixtures/conformance/gemini, picked by the model in the
 * path: `…/models/<name>:generateContent` → gemini/<name>.json; `:streamGenerateContent` → gemini/<name>.chunks.jsonl
 * framed as Gemini sends it (CRLF SSE).
 */
export async function startFakeGemini(): Promise<FakeGemini> {
  const requests: FakeGemini["requests"] = [];
  const server: Server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    request.on("end", () => {
      const path = request.url ?? "";
      requests.push({ path, body: JSON.parse(text) as Record<string, unknown> });
      const match = /\/models\/([^:/?]+):(generateContent|streamGenerateContent)/.exec(path);
      const model = decodeURIComponent(match?.[1] ?? "");
      if (match?.[2] === "streamGenerateContent") {
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.end(frameChunks(readFixture(`gemini/${model}.chunks.jsonl`), "gemini"));
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(readFixture(`gemini/${model}.json`));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
