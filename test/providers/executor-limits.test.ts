import * as assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { GatewayError } from "../../src/core/errors/gateway-error.js";
import type { ChatEvent, ChatRequest } from "../../src/core/types/chat.js";
import type { AttemptLimits } from "../../src/core/types/provider.js";
import { openaiProvider } from "../../src/providers/openai/index.js";
import { DEFAULT_ATTEMPT_LIMITS, UpstreamExecutor } from "../../src/providers/shared/execute.js";
import { makeContext, makeDeployment } from "./support/deployment.js";

/**
 * The executor's limits and exits, against a scripted upstream on loopback: error bodies and their headers,
 * the response size cap, the time-to-first-token and total timeouts, the caller leaving, the consumer stopping,
 * a broken event mid-stream, and a slow consumer. Every exit that ends an attempt early must close the upstream
 * request (the upstream sees its response closed).
 */

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server;
let base = "";
let handler: Handler = (_request, response) => response.end();
/** Resolves when the upstream sees the current response closed before it ended it. */
let upstreamClosedEarly: Promise<void>;
let markClosedEarly: () => void = () => undefined;
const executor = new UpstreamExecutor();

before(async () => {
  server = createServer((request, response) => {
    response.on("close", () => {
      if (!response.writableFinished) markClosedEarly();
    });
    request.resume();
    request.on("end", () => handler(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

after(async () => {
  await executor.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  upstreamClosedEarly = new Promise<void>((resolve) => {
    markClosedEarly = resolve;
  });
});

const deployment = makeDeployment("openai", "gpt-test", { apiBase: "", apiKey: "sk-test" });
const request: ChatRequest = { model: "openai/gpt-test", messages: [{ role: "user", content: "Hi" }] };

function limits(patch: Partial<AttemptLimits> = {}): AttemptLimits {
  return { ...DEFAULT_ATTEMPT_LIMITS, ...patch };
}

function context(stream: boolean) {
  return makeContext({ ...deployment, params: { ...deployment.params, apiBase: base } }, stream);
}

function sseChunk(content: string, finish: string | null = null): string {
  const chunk = {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-test",
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

function textOf(batches: ChatEvent[][]): string {
  return batches
    .flat()
    .map((event) => (event.type === "text-delta" ? event.text : ""))
    .join("");
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected a rejection");
}

describe("executor: unary answers", () => {
  it("parses an error body with the adapter and keeps the upstream's Retry-After", async () => {
    handler = (_request, response) => {
      response.writeHead(429, { "content-type": "application/json", "retry-after": "7" });
      response.end(JSON.stringify({ error: { message: "slow down", type: "rate_limit_error", code: null } }));
    };
    const error = await rejection(
      executor.complete(openaiProvider, request, context(false), new AbortController().signal, limits()),
    );
    assert.equal(error.kind, "upstream_rate_limited");
    assert.equal(error.upstreamStatus, 429);
    assert.equal(error.retryAfterMs, 7000);
  });

  it("refuses a body over maxResponseBytes and closes the upstream request", async () => {
    handler = (_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.write(Buffer.alloc(64 * 1024, 32));
      response.write(Buffer.alloc(64 * 1024, 32));
      // Never ends on its own: only our abort closes it.
    };
    const error = await rejection(
      executor.complete(
        openaiProvider,
        request,
        context(false),
        new AbortController().signal,
        limits({ maxResponseBytes: 1000 }),
      ),
    );
    assert.equal(error.kind, "upstream_protocol");
    assert.equal(error.reason, "response_too_large");
    await upstreamClosedEarly;
  });

  it("times out (total) when the answer never comes, and closes the upstream request", async () => {
    handler = () => undefined;
    const error = await rejection(
      executor.complete(
        openaiProvider,
        request,
        context(false),
        new AbortController().signal,
        limits({ totalTimeoutMs: 50 }),
      ),
    );
    assert.equal(error.kind, "timeout");
    assert.equal(error.reason, "timeout_total");
    await upstreamClosedEarly;
  });

  it("is cancelled by a caller that leaves before the answer", async () => {
    handler = () => undefined;
    const caller = new AbortController();
    const pending = executor.complete(openaiProvider, request, context(false), caller.signal, limits());
    setTimeout(() => caller.abort(new Error("client disconnected")), 20);
    const error = await rejection(pending);
    assert.equal(error.kind, "cancelled");
    await upstreamClosedEarly;
  });

  it("does not call the upstream for a caller that already left", async () => {
    let called = false;
    handler = (_request, response) => {
      called = true;
      response.end("{}");
    };
    const caller = new AbortController();
    caller.abort(new Error("gone"));
    const error = await rejection(
      executor.complete(openaiProvider, request, context(false), caller.signal, limits()),
    );
    assert.equal(error.kind, "cancelled");
    assert.equal(called, false);
  });
});

describe("executor: streams", () => {
  it("turns an error status into the adapter's error before the stream commits", async () => {
    handler = (_request, response) => {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: "boom", type: "server_error", code: null } }));
    };
    const error = await rejection(
      executor.stream(openaiProvider, request, context(true), new AbortController().signal, limits()),
    );
    assert.equal(error.upstreamStatus, 500);
    assert.equal(error.kind, "upstream_unavailable");
  });

  it("times out to the first token when the headers come but no event does", async () => {
    handler = (_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(": keep-alive\n\n");
    };
    const error = await rejection(
      executor.stream(
        openaiProvider,
        request,
        context(true),
        new AbortController().signal,
        limits({ firstByteTimeoutMs: 50 }),
      ),
    );
    assert.equal(error.kind, "timeout");
    assert.equal(error.reason, "timeout_first_token");
    await upstreamClosedEarly;
  });

  it("ends a committed stream with the total timeout as its error, after the events that came", async () => {
    handler = (_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(sseChunk("Hel"));
      response.write(sseChunk("lo"));
    };
    const stream = await executor.stream(
      openaiProvider,
      request,
      context(true),
      new AbortController().signal,
      limits({ totalTimeoutMs: 150 }),
    );
    const batches = [stream.first];
    const error = await rejection(
      (async () => {
        while (true) {
          const next = await stream.rest.next();
          if (next.done) break;
          batches.push(next.value);
        }
      })(),
    );
    assert.equal(error.reason, "timeout_total");
    assert.equal(textOf(batches), "Hello");
    await upstreamClosedEarly;
  });

  it("closes the upstream request when the caller leaves mid-stream", async () => {
    handler = (_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(sseChunk("Hi"));
    };
    const caller = new AbortController();
    const stream = await executor.stream(openaiProvider, request, context(true), caller.signal, limits());
    assert.equal(textOf([stream.first]), "Hi");
    const pending = stream.rest.next();
    caller.abort(new Error("client disconnected"));
    const error = await rejection(pending);
    assert.equal(error.kind, "cancelled");
    await upstreamClosedEarly;
  });

  it("closes the upstream request when the consumer stops (abort, or return on the iterator)", async () => {
    for (const stop of ["abort", "return"] as const) {
      upstreamClosedEarly = new Promise<void>((resolve) => {
        markClosedEarly = resolve;
      });
      handler = (_request, response) => {
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.write(sseChunk("Hi"));
      };
      const stream = await executor.stream(
        openaiProvider,
        request,
        context(true),
        new AbortController().signal,
        limits(),
      );
      if (stop === "abort") stream.abort();
      else await stream.rest.return?.();
      assert.deepEqual(await stream.rest.next(), { value: undefined, done: true });
      await upstreamClosedEarly;
    }
  });

  it("delivers the batches before a broken event, then its error, and closes the upstream request", async () => {
    handler = (_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(`${sseChunk("a")}${sseChunk("b")}data: {not json\n\n`);
    };
    const stream = await executor.stream(
      openaiProvider,
      request,
      context(true),
      new AbortController().signal,
      limits(),
    );
    const batches = [stream.first];
    const error = await rejection(
      (async () => {
        while (true) {
          const next = await stream.rest.next();
          if (next.done) break;
          batches.push(next.value);
        }
      })(),
    );
    assert.equal(error.kind, "upstream_protocol");
    assert.equal(textOf(batches), "ab");
    await upstreamClosedEarly;
  });

  it("relays a long burst to a slow consumer completely and in order", async () => {
    const count = 400;
    handler = (_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      let body = "";
      for (let index = 0; index < count; index++) body += sseChunk(`${index},`);
      body += sseChunk("", "stop");
      response.end(`${body}data: [DONE]\n\n`);
    };
    const stream = await executor.stream(
      openaiProvider,
      request,
      context(true),
      new AbortController().signal,
      limits(),
    );
    const batches = [stream.first];
    while (true) {
      const next = await stream.rest.next();
      if (next.done) break;
      batches.push(next.value);
      if (batches.length % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const expected = Array.from({ length: count }, (_, index) => `${index},`).join("");
    assert.equal(textOf(batches), expected);
    assert.ok(batches.flat().some((event) => event.type === "finish"));
  });
});
