// The unary fast path (src/connect/unary-fast-path.ts) answers ChatService.Complete over gRPC and Connect unary
// without connect-node's generic pipeline. A query string on the path makes the fast path step aside and the
// Connect adapter serve the same call, so every case here is sent both ways and the answers must be the same
// (status, code, message, details, request id), for good calls, bad input, bad keys and hostile bodies.
import assert from "node:assert/strict";
import * as http from "node:http";
import * as http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  CompleteRequestSchema,
  CompleteResponseSchema,
  Role,
} from "../../gen/switchboard/v1/chat_service_pb.js";
import { MASTER_KEY, standardDeployments, startTestGateway } from "../helpers/gateway.js";

/** The caller's x-request-id, suffixed so that every request's id is unique (src/shared/request-id.ts). */
const GATEWAY_ID = /^fast-path-test\.[0-9a-f]{12}$/;

const ROUTE = "/switchboard.v1.ChatService/Complete";
const VIA = { fast: ROUTE, adapter: `${ROUTE}?via=adapter` } as const;
const MAX_BODY = 64 * 1024;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  trailers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function h1(
  port: number,
  path: string,
  headers: Record<string, string>,
  body: Buffer | string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, method: "POST", path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          trailers: response.trailers,
          body: Buffer.concat(chunks),
        }),
      );
    });
    request.on("error", reject);
    request.end(body);
  });
}

function h2(
  session: http2.ClientHttp2Session,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": "POST", ":path": path, ...headers });
    let status = 0;
    let responseHeaders: Answer["headers"] = {};
    let trailers: Answer["trailers"] = {};
    const chunks: Buffer[] = [];
    stream.on("response", (received) => {
      status = Number(received[":status"]);
      responseHeaders = received;
    });
    stream.on("trailers", (received) => {
      trailers = received;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () =>
      resolve({ status, headers: responseHeaders, trailers, body: Buffer.concat(chunks) }),
    );
    stream.on("error", reject);
    stream.end(body);
  });
}

function frame(bytes: Uint8Array, flags = 0): Buffer {
  const out = Buffer.alloc(5 + bytes.length);
  out[0] = flags;
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
}

function requestBytes(model: string, extra: Record<string, unknown> = {}): Uint8Array {
  return toBinary(
    CompleteRequestSchema,
    create(CompleteRequestSchema, {
      request: {
        model,
        messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "Hi" } }] }],
        ...extra,
      },
    }),
  );
}

function jsonRequest(model: string): string {
  return JSON.stringify({ request: { model, messages: [{ role: "ROLE_USER", content: [{ text: "Hi" }] }] } });
}

/** What must match between the two paths: time-dependent fields (created, attempt latency) are cleared. */
function comparableJson(body: Buffer): unknown {
  const parsed = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  delete parsed["created"];
  delete parsed["id"];
  const routing = parsed["routing"] as { attempts?: { latencyMs?: number }[] } | undefined;
  for (const attempt of routing?.attempts ?? []) delete attempt.latencyMs;
  return parsed;
}

function comparableMessage(answer: Answer): unknown {
  const message = fromBinary(CompleteResponseSchema, answer.body.subarray(5));
  message.created = 0n;
  message.id = "";
  for (const attempt of message.routing?.attempts ?? []) attempt.latencyMs = 0;
  return message;
}

const grpcStatus = (answer: Answer) => answer.trailers["grpc-status"] ?? answer.headers["grpc-status"];
const grpcMessage = (answer: Answer) => answer.trailers["grpc-message"] ?? answer.headers["grpc-message"];
const grpcDetails = (answer: Answer) =>
  answer.trailers["grpc-status-details-bin"] ?? answer.headers["grpc-status-details-bin"];

describe("ChatService.Complete unary fast path: the same answers as the Connect adapter", () => {
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  let port: number;
  let session: http2.ClientHttp2Session;

  before(async () => {
    gateway = await startTestGateway(standardDeployments("http://127.0.0.1:9/v1"), {
      maxBodyBytes: MAX_BODY,
    });
    port = gateway.server.port;
    session = http2.connect(gateway.url);
  });
  after(async () => {
    session.close();
    await gateway.close(100);
  });

  const grpcHeaders = (extra: Record<string, string> = {}) => ({
    "content-type": "application/grpc",
    te: "trailers",
    authorization: `Bearer ${MASTER_KEY}`,
    "x-request-id": "fast-path-test",
    ...extra,
  });
  const connectHeaders = (extra: Record<string, string> = {}) => ({
    "content-type": "application/json",
    "connect-protocol-version": "1",
    authorization: `Bearer ${MASTER_KEY}`,
    "x-request-id": "fast-path-test",
    ...extra,
  });

  describe("gRPC over h2", () => {
    const both = async (headers: Record<string, string>, body: Buffer) => ({
      fast: await h2(session, VIA.fast, headers, body),
      adapter: await h2(session, VIA.adapter, headers, body),
    });

    it("answers a good call with the same message, headers and status", async () => {
      const { fast, adapter } = await both(grpcHeaders(), frame(requestBytes("mock-gpt")));
      assert.equal(grpcStatus(fast), "0");
      assert.equal(grpcStatus(adapter), "0");
      assert.deepEqual(comparableMessage(fast), comparableMessage(adapter));
      for (const header of ["content-type", "x-switchboard-deployment", "x-switchboard-provider"]) {
        assert.equal(fast.headers[header], adapter.headers[header], header);
      }
      assert.match(String(fast.headers["x-request-id"]), GATEWAY_ID);
      assert.match(String(adapter.headers["x-request-id"]), GATEWAY_ID);
    });

    const failures: [string, Record<string, string>, Buffer][] = [
      [
        "a wrong key",
        grpcHeaders({ authorization: "Bearer sk-wrong-0123456789abcdef0123" }),
        frame(requestBytes("mock-gpt")),
      ],
      [
        "no key",
        { "content-type": "application/grpc", te: "trailers", "x-request-id": "fast-path-test" },
        frame(requestBytes("mock-gpt")),
      ],
      ["an empty body", grpcHeaders(), Buffer.alloc(0)],
      ["a truncated envelope", grpcHeaders(), frame(requestBytes("mock-gpt")).subarray(0, 12)],
      [
        "two messages for a unary method",
        grpcHeaders(),
        Buffer.concat([frame(requestBytes("mock-gpt")), frame(requestBytes("mock-gpt"))]),
      ],
      ["a compressed flag without grpc-encoding", grpcHeaders(), frame(requestBytes("mock-gpt"), 1)],
      [
        "bytes that are not a CompleteRequest",
        grpcHeaders(),
        frame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])),
      ],
      ["an unknown model", grpcHeaders(), frame(requestBytes("no-such-model"))],
      ["an out-of-range temperature", grpcHeaders(), frame(requestBytes("mock-gpt", { temperature: 7 }))],
      ["a malformed grpc-timeout", grpcHeaders({ "grpc-timeout": "soon" }), frame(requestBytes("mock-gpt"))],
      [
        "a message over readMaxBytes",
        grpcHeaders(),
        frame(requestBytes("mock-gpt", { user: "x".repeat(MAX_BODY + 10) })),
      ],
    ];
    for (const [name, headers, body] of failures) {
      it(`refuses ${name} with the same status, message and details`, async () => {
        const { fast, adapter } = await both(headers, body);
        assert.notEqual(grpcStatus(fast), "0");
        assert.notEqual(grpcStatus(fast), undefined);
        assert.equal(grpcStatus(fast), grpcStatus(adapter));
        assert.equal(grpcMessage(fast), grpcMessage(adapter));
        assert.equal(grpcDetails(fast), grpcDetails(adapter));
        assert.match(String(fast.trailers["x-request-id"] ?? fast.headers["x-request-id"]), GATEWAY_ID);
      });
    }

    it("survives a client that resets the stream before the body ends, and serves the next call", async () => {
      const stream = session.request({ ":method": "POST", ":path": ROUTE, ...grpcHeaders() });
      stream.on("error", () => {});
      stream.write(frame(requestBytes("mock-gpt")).subarray(0, 8));
      await new Promise((resolve) => setTimeout(resolve, 20));
      stream.close(http2.constants.NGHTTP2_CANCEL);
      const next = await h2(session, ROUTE, grpcHeaders(), frame(requestBytes("mock-gpt")));
      assert.equal(grpcStatus(next), "0");
    });
  });

  describe("Connect unary over HTTP/1.1", () => {
    const both = async (headers: Record<string, string>, body: Buffer | string) => ({
      fast: await h1(port, VIA.fast, headers, body),
      adapter: await h1(port, VIA.adapter, headers, body),
    });

    it("answers JSON with the same JSON", async () => {
      const { fast, adapter } = await both(connectHeaders(), jsonRequest("mock-gpt"));
      assert.equal(fast.status, 200);
      assert.equal(adapter.status, 200);
      assert.deepEqual(comparableJson(fast.body), comparableJson(adapter.body));
      for (const header of ["content-type", "x-switchboard-deployment", "x-switchboard-provider"]) {
        assert.equal(fast.headers[header], adapter.headers[header], header);
      }
    });

    it("answers binary Connect (application/proto) with the same message", async () => {
      const { fast, adapter } = await both(
        connectHeaders({ "content-type": "application/proto" }),
        Buffer.from(requestBytes("mock-gpt")),
      );
      assert.equal(fast.status, 200);
      assert.equal(fast.headers["content-type"], adapter.headers["content-type"]);
      const decode = (answer: Answer) => {
        const message = fromBinary(CompleteResponseSchema, answer.body);
        message.created = 0n;
        message.id = "";
        for (const attempt of message.routing?.attempts ?? []) attempt.latencyMs = 0;
        return message;
      };
      assert.deepEqual(decode(fast), decode(adapter));
    });

    const failures: [string, Record<string, string>, string][] = [
      [
        "a wrong key",
        connectHeaders({ authorization: "Bearer sk-wrong-0123456789abcdef0123" }),
        jsonRequest("mock-gpt"),
      ],
      ["malformed JSON", connectHeaders(), '{"request": {'],
      [
        "a field the schema does not have",
        connectHeaders(),
        JSON.stringify({ request: { model: "mock-gpt", api_base: "http://evil" } }),
      ],
      ["a missing model", connectHeaders(), JSON.stringify({ request: { messages: [] } })],
      ["no request at all", connectHeaders(), "{}"],
      [
        "an unknown role name",
        connectHeaders(),
        JSON.stringify({ request: { model: "mock-gpt", messages: [{ role: "ROLE_ROOT" }] } }),
      ],
      [
        "a malformed connect-timeout-ms",
        connectHeaders({ "connect-timeout-ms": "-1" }),
        jsonRequest("mock-gpt"),
      ],
      [
        "a body over readMaxBytes",
        connectHeaders(),
        JSON.stringify({ request: { model: "mock-gpt", user: "x".repeat(MAX_BODY + 10) } }),
      ],
    ];
    for (const [name, headers, body] of failures) {
      it(`refuses ${name} with the same HTTP status and error JSON`, async () => {
        const { fast, adapter } = await both(headers, body);
        assert.ok(fast.status >= 400 && fast.status < 500, `status ${fast.status}`);
        assert.equal(fast.status, adapter.status);
        assert.equal(fast.headers["content-type"], "application/json");
        assert.deepEqual(JSON.parse(fast.body.toString()), JSON.parse(adapter.body.toString()));
        assert.match(String(fast.headers["x-request-id"]), GATEWAY_ID);
        assert.doesNotMatch(fast.body.toString(), /at .*\.(?:js|ts):\d+/);
      });
    }
  });

  it("leaves what it does not handle to the adapter (compressed requests, gRPC-Web)", async () => {
    const web = await h1(
      port,
      ROUTE,
      { "content-type": "application/grpc-web+proto", authorization: `Bearer ${MASTER_KEY}` },
      frame(requestBytes("mock-gpt")),
    );
    assert.equal(web.status, 200);
    assert.equal(web.headers["content-type"], "application/grpc-web+proto");
    const gzipped = await h1(
      port,
      ROUTE,
      connectHeaders({ "content-encoding": "gzip" }),
      gzipSync(jsonRequest("mock-gpt")),
    );
    assert.equal(gzipped.status, 200);
    const compressed = frame(gzipSync(requestBytes("mock-gpt")), 1);
    const grpcGzip = await h2(session, ROUTE, grpcHeaders({ "grpc-encoding": "gzip" }), compressed);
    assert.equal(grpcStatus(grpcGzip), "0");
  });
});
