import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { frameChunks, readFixture } from "../../helpers/provider-fixtures.js";

export interface FakeAnthropic {
  baseUrl: string;
  /** Request bodies received, in order. */
  requests: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * A fake Anthropic Messages upstream replaying recordings from test/fixtures/conformance/anthropic, picked by the
 * upstream model name: unary `<name>` → anthropic/<name>.json; streamed → anthropic/<name>.sse or <name>.chunks.jsonl
 * (framed as Anthropic sends it); `midstream-error` → the first events of messages-stream-text.sse, then the
 * recorded in-stream `overloaded_error`; `error-400-canary` → a 400 whose message carries the deployment's key.
 */
export async function startFakeAnthropic(canary: string): Promise<FakeAnthropic> {
  const requests: Record<string, unknown>[] = [];
  const server: Server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    request.on("end", () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      requests.push(body);
      const model = String(body["model"]);
      if (model === "error-400-canary") {
        response.writeHead(400, { "content-type": "application/json" });
        response.end(
          JSON.stringify({
            type: "error",
            error: { type: "invalid_request_error", message: `bad key ${canary} in request` },
          }),
        );
        return;
      }
      if (body["stream"] !== true) {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(readFixture(`anthropic/${model}.json`));
        return;
      }
      let sse: string;
      if (model === "midstream-error") {
        const events = readFixture("anthropic/messages-stream-text.sse").split("\n\n");
        sse = `${events.slice(0, 4).join("\n\n")}\n\n${readFixture("errors/anthropic-midstream-overloaded.sse")}`;
      } else {
        try {
          sse = readFixture(`anthropic/${model}.sse`);
        } catch {
          sse = frameChunks(readFixture(`anthropic/${model}.chunks.jsonl`), "anthropic");
        }
      }
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.end(sse);
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
