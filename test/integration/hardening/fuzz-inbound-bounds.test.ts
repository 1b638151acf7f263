import assert from "node:assert/strict";
import { connect as http2Connect } from "node:http2";
import { after, before, describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CompleteRequestSchema, Role } from "../../../gen/switchboard/v1/chat_service_pb.js";
import { ErrorDetailSchema } from "../../../gen/switchboard/v1/error_detail_pb.js";
import { type FakeOpenAIUpstream, startFakeOpenAI } from "../../helpers/fake-openai-upstream.js";
import { MASTER_KEY, standardDeployments, startTestGateway } from "../../helpers/gateway.js";

/**
 * Issue #11 defect 6 and issue #12 item 1 (validation in the core):
 * - JSON nested 10,000 deep (a tool schema) is a 400 naming the field, not a stack overflow (500);
 * - a malformed binary protobuf over Connect, gRPC and gRPC-Web is `invalid_argument`, not `internal`;
 * - the same bad content sent over REST and over Connect gets the same message and param, and never reaches the
 *   upstream.
 */
const COMPLETE = "/switchboard.v1.ChatService/Complete";
const STREAM = "/switchboard.v1.ChatService/Stream";

/** `{"type":"object","properties":{"a": … }}` nested `depth` times, built as text (JSON.stringify would recurse). */
function deepSchemaText(depth: number): string {
  return `${'{"type":"object","properties":{"a":'.repeat(depth)}{"type":"string"}${"}}".repeat(depth)}`;
}

function envelope(flags: number, payload: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + payload.byteLength);
  frame[0] = flags;
  frame.writeUInt32BE(payload.byteLength, 1);
  frame.set(payload, 5);
  return frame;
}

/** Not a protobuf: field number 0 is illegal. */
const GARBAGE = new Uint8Array([0x09, 0xff, 0x00, 0x01, 0x02, 0x03]);

describe("inbound bounds: depth, decode errors, one validation for both edges", () => {
  let upstream: FakeOpenAIUpstream;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;

  before(async () => {
    upstream = await startFakeOpenAI();
    gateway = await startTestGateway(standardDeployments(upstream.baseUrl));
  });
  after(async () => {
    await gateway.close(100);
    await upstream.close();
  });

  async function restRaw(
    body: string,
  ): Promise<{ status: number; error: { message: string; param: string | null } }> {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: gateway.headers,
      body,
    });
    const text = await response.text();
    assert.doesNotMatch(text, /\s+at\s+\S+\s+\(/, "no stack trace");
    const parsed = JSON.parse(text) as { error?: { message: string; param: string | null } };
    return { status: response.status, error: parsed.error ?? { message: "", param: null } };
  }

  async function connectJson(
    body: string,
  ): Promise<{ status: number; code: string; message: string; param: string | undefined }> {
    const response = await fetch(`${gateway.url}${COMPLETE}`, {
      method: "POST",
      headers: gateway.headers,
      body,
    });
    const text = await response.text();
    assert.doesNotMatch(text, /\s+at\s+\S+\s+\(/, "no stack trace");
    const parsed = JSON.parse(text) as {
      code?: string;
      message?: string;
      details?: { type: string; value: string }[];
    };
    const detail = parsed.details?.find((entry) => entry.type === "switchboard.v1.ErrorDetail");
    const param = detail
      ? fromBinary(ErrorDetailSchema, Buffer.from(detail.value, "base64")).param
      : undefined;
    return { status: response.status, code: parsed.code ?? "", message: parsed.message ?? "", param };
  }

  describe("nesting depth (bound 64)", () => {
    it("REST: a tool schema nested 10,000 deep is a 400 naming the field (was a 500 stack overflow)", async () => {
      const before = upstream.requests.length;
      const { status, error } = await restRaw(
        `{"model":"fixture/chat-basic","messages":[{"role":"user","content":"hi"}],` +
          `"tools":[{"type":"function","function":{"name":"f","parameters":${deepSchemaText(10_000)}}}]}`,
      );
      assert.equal(status, 400);
      assert.equal(error.param, "tools[0].function.parameters");
      assert.match(error.message, /nested more than 64 levels/);
      assert.equal(upstream.requests.length, before, "no upstream call");
    });

    it("REST: a response schema 66 levels deep is refused naming it, 62 deep is served", async () => {
      const body = (depth: number) =>
        `{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema",` +
        `"json_schema":{"name":"s","schema":${deepSchemaText(depth)}}}}`;
      const deep = await restRaw(body(33)); // 66 JSON levels: object, properties, object, …
      assert.equal(deep.status, 400);
      assert.equal(deep.error.param, "response_format.json_schema.schema");
      const shallow = await restRaw(body(31)); // 62 levels
      assert.equal(shallow.status, 200);
    });

    it("Connect JSON: a tool schema nested 10,000 deep is invalid_argument", async () => {
      const result = await connectJson(
        `{"request":{"model":"fixture/chat-basic","messages":[{"role":"ROLE_USER","content":[{"text":"hi"}]}],` +
          `"tools":[{"name":"f","parameters":${deepSchemaText(10_000)}}]}}`,
      );
      assert.equal(result.status, 400);
      assert.equal(result.code, "invalid_argument");
    });

    it("Connect binary: a Struct nested past the decoder's limit is invalid_argument (was internal)", async () => {
      const base = toBinary(
        CompleteRequestSchema,
        create(CompleteRequestSchema, {
          request: {
            model: "fixture/chat-basic",
            messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hi" } }] }],
          },
        }),
      );
      // A second occurrence of field 1 (request) merges into the first: it adds one tool whose `parameters`
      // Struct nests 10,000 levels (built inside out, as bytes, so nothing here recurses).
      let struct: Uint8Array = new Uint8Array(0);
      for (let level = 0; level < 10_000; level++) {
        const value = field(5, struct); // Value.struct_value
        const entry = Buffer.concat([field(1, Buffer.from("a")), field(2, value)]); // map entry: key, value
        struct = field(1, entry); // Struct.fields
      }
      const tool = Buffer.concat([field(1, Buffer.from("f")), field(3, struct)]); // FunctionTool: name, parameters
      const bytes = Buffer.concat([base, field(1, field(3, tool))]); // CompleteRequest.request.tools
      const response = await fetch(`${gateway.url}${COMPLETE}`, {
        method: "POST",
        headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/proto" },
        body: bytes,
      });
      const body = (await response.json()) as { code: string; message: string };
      assert.equal(response.status, 400);
      assert.equal(body.code, "invalid_argument");
    });
  });

  describe("malformed binary protobuf is invalid_argument on every protocol (was internal)", () => {
    it("Connect unary (application/proto)", async () => {
      const before = upstream.requests.length;
      const response = await fetch(`${gateway.url}${COMPLETE}`, {
        method: "POST",
        headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/proto" },
        body: GARBAGE,
      });
      const body = (await response.json()) as { code: string; message: string };
      assert.equal(response.status, 400);
      assert.equal(body.code, "invalid_argument");
      assert.match(body.message, /not a valid protobuf message/);
      assert.equal(upstream.requests.length, before);
    });

    it("Connect server stream (application/connect+proto)", async () => {
      const response = await fetch(`${gateway.url}${STREAM}`, {
        method: "POST",
        headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/connect+proto" },
        body: envelope(0, GARBAGE),
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      assert.equal(bytes[0], 0x02, "one end-stream message");
      const end = JSON.parse(bytes.subarray(5).toString("utf8")) as { error?: { code: string } };
      assert.equal(end.error?.code, "invalid_argument");
    });

    it("gRPC-Web unary", async () => {
      const response = await fetch(`${gateway.url}${COMPLETE}`, {
        method: "POST",
        headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/grpc-web+proto" },
        body: envelope(0, GARBAGE),
      });
      const text = Buffer.from(await response.arrayBuffer()).toString("latin1");
      assert.match(text, /grpc-status: ?3\b/);
    });

    for (const path of [COMPLETE, STREAM]) {
      it(`gRPC over h2c: ${path}`, async () => {
        const { status, message } = await grpcCall(gateway.url, path, envelope(0, GARBAGE));
        assert.equal(status, "3");
        assert.match(message, /not a valid protobuf message/);
      });
    }
  });

  describe("the same bad content gives the same message and param over REST and Connect", () => {
    const user = { role: "user", content: "hi" };
    const protoUser = { role: "ROLE_USER", content: [{ text: "hi" }] };
    const cases: {
      name: string;
      rest: Record<string, unknown>;
      connect: Record<string, unknown>;
      param: string;
    }[] = [
      {
        name: "temperature above 2",
        rest: { temperature: 3 },
        connect: { temperature: 3 },
        param: "temperature",
      },
      { name: "top_p above 1", rest: { top_p: 1.5 }, connect: { topP: 1.5 }, param: "top_p" },
      { name: "top_k negative", rest: { top_k: -1 }, connect: { topK: -1 }, param: "top_k" },
      { name: "max_tokens 0", rest: { max_tokens: 0 }, connect: { maxTokens: 0 }, param: "max_tokens" },
      {
        name: "max_tokens over the cap",
        rest: { max_tokens: 20_000_000 },
        connect: { maxTokens: 20_000_000 },
        param: "max_tokens",
      },
      {
        name: "presence_penalty below -2",
        rest: { presence_penalty: -3 },
        connect: { presencePenalty: -3 },
        param: "presence_penalty",
      },
      { name: "n of 0", rest: { n: 0 }, connect: { n: 0 }, param: "n" },
      {
        name: "top_logprobs 21",
        rest: { top_logprobs: 21 },
        connect: { topLogprobs: 21 },
        param: "top_logprobs",
      },
      {
        name: "17 stop sequences",
        rest: { stop: Array.from({ length: 17 }, (_, index) => `s${index}`) },
        connect: { stop: Array.from({ length: 17 }, (_, index) => `s${index}`) },
        param: "stop",
      },
      { name: "an empty model", rest: { model: "" }, connect: { model: "" }, param: "model" },
      { name: "no messages", rest: { messages: [] }, connect: { messages: [] }, param: "messages" },
      {
        name: "a tool message without tool_call_id",
        rest: { messages: [user, { role: "tool", content: "x" }] },
        connect: { messages: [protoUser, { role: "ROLE_TOOL", content: [{ text: "x" }] }] },
        param: "messages[1].tool_call_id",
      },
      {
        name: "tool_calls on a user message",
        rest: {
          messages: [
            {
              ...user,
              tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
            },
          ],
        },
        connect: { messages: [{ ...protoUser, toolCalls: [{ id: "c1", name: "f", arguments: "{}" }] }] },
        param: "messages[0].tool_calls",
      },
      {
        name: "a tool name with a space",
        rest: { tools: [{ type: "function", function: { name: "bad name" } }] },
        connect: { tools: [{ name: "bad name" }] },
        param: "tools[0].function.name",
      },
      {
        name: "an ftp image URL",
        rest: {
          messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "ftp://x/y.png" } }] }],
        },
        connect: { messages: [{ role: "ROLE_USER", content: [{ image: { url: "ftp://x/y.png" } }] }] },
        param: "messages[0].content[0].image_url.url",
      },
      {
        name: "a base64 data URL whose data is not base64",
        rest: {
          messages: [
            {
              role: "user",
              content: [{ type: "image_url", image_url: { url: "data:image/png;base64,@@" } }],
            },
          ],
        },
        connect: {
          messages: [{ role: "ROLE_USER", content: [{ image: { url: "data:image/png;base64,@@" } }] }],
        },
        param: "messages[0].content[0].image_url.url",
      },
      {
        name: "a data URL without its comma",
        rest: {
          messages: [
            { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64" } }] },
          ],
        },
        connect: {
          messages: [{ role: "ROLE_USER", content: [{ image: { url: "data:image/png;base64" } }] }],
        },
        param: "messages[0].content[0].image_url.url",
      },
      {
        name: "a json_schema response format without a name",
        rest: { response_format: { type: "json_schema", json_schema: { name: "" } } },
        connect: { responseFormat: { jsonSchema: { name: "" } } },
        param: "response_format.json_schema.name",
      },
    ];

    for (const entry of cases) {
      it(entry.name, async () => {
        const before = upstream.requests.length;
        const rest = await restRaw(
          JSON.stringify({ model: "fixture/chat-basic", messages: [user], ...entry.rest }),
        );
        const connect = await connectJson(
          JSON.stringify({
            request: { model: "fixture/chat-basic", messages: [protoUser], ...entry.connect },
          }),
        );
        assert.equal(rest.status, 400, rest.error.message);
        assert.equal(connect.code, "invalid_argument", connect.message);
        assert.equal(rest.error.param, entry.param);
        assert.equal(connect.param, entry.param);
        assert.equal(connect.message, rest.error.message);
        assert.equal(upstream.requests.length, before, "an invalid request never reaches the upstream");
      });
    }

    it("a plain (not base64) data URL is accepted by both edges alike (REST accepted it, Connect refused it)", async () => {
      const url = "data:image/png,%89PNG";
      const rest = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: gateway.headers,
        body: JSON.stringify({
          model: "mock-gpt",
          messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }],
        }),
      });
      assert.equal(rest.status, 200);
      const connect = await fetch(`${gateway.url}${COMPLETE}`, {
        method: "POST",
        headers: gateway.headers,
        body: JSON.stringify({
          request: { model: "mock-gpt", messages: [{ role: "ROLE_USER", content: [{ image: { url } }] }] },
        }),
      });
      assert.equal(connect.status, 200);
    });
  });
});

/** One length-delimited protobuf field: tag, varint length, bytes. */
function field(number: number, payload: Uint8Array): Buffer {
  const length: number[] = [];
  let rest = payload.byteLength;
  while (rest > 0x7f) {
    length.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  length.push(rest);
  return Buffer.concat([Buffer.from([(number << 3) | 2, ...length]), payload]);
}

/** One gRPC call over h2c with a raw request body; the grpc-status and grpc-message it ends with. */
function grpcCall(baseUrl: string, path: string, body: Buffer): Promise<{ status: string; message: string }> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(baseUrl);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc+proto",
      te: "trailers",
      authorization: `Bearer ${MASTER_KEY}`,
    });
    let headers: Record<string, unknown> = {};
    stream.on("response", (received) => {
      headers = received;
    });
    stream.on("trailers", (trailers) => {
      headers = { ...headers, ...trailers };
    });
    stream.on("data", () => undefined);
    stream.on("end", () => {
      session.close();
      resolve({
        status: String(headers["grpc-status"] ?? ""),
        message: decodeURIComponent(String(headers["grpc-message"] ?? "")),
      });
    });
    stream.on("error", reject);
    stream.end(body);
  });
}
