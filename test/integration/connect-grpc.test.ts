import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import {
  createSwitchboardClient,
  ErrorDetailSchema,
  FinishReason,
  Role,
  type StreamResponse,
  type SwitchboardProtocol,
} from "../../clients/typescript/src/index.js";
import { type FakeOpenAIUpstream, startFakeOpenAI } from "../helpers/fake-openai-upstream.js";
import { MASTER_KEY, standardDeployments, startTestGateway } from "../helpers/gateway.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function userMessage(text: string) {
  return { role: Role.USER, content: [{ part: { case: "text" as const, value: text } }] };
}

describe("Chat service over Connect, gRPC and gRPC-Web on the REST port", () => {
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

  const protocols: { protocol: SwitchboardProtocol; httpVersion: "1.1" | "2" }[] = [
    { protocol: "connect", httpVersion: "1.1" },
    { protocol: "connect", httpVersion: "2" },
    { protocol: "grpc", httpVersion: "2" },
    { protocol: "grpc-web", httpVersion: "1.1" },
  ];

  for (const { protocol, httpVersion } of protocols) {
    describe(`${protocol} over HTTP/${httpVersion}`, () => {
      const client = () =>
        createSwitchboardClient({ baseUrl: gateway.url, apiKey: MASTER_KEY, protocol, httpVersion }).chat;

      it("completes a unary request through the OpenAI upstream", async () => {
        const response = await client().complete({
          request: { model: "fixture/chat-basic", messages: [userMessage("Hi")] },
        });
        assert.equal(response.model, "gpt-4.1-nano-2025-04-14");
        assert.equal(response.choices[0]?.finishReason, FinishReason.STOP);
        assert.ok((response.choices[0]?.content ?? "").length > 0);
        assert.ok((response.usage?.totalTokens ?? 0n) > 0n);
        assert.equal(response.routing?.provider, "openai");
        assert.equal(response.routing?.attempts.length, 1);
      });

      it("streams typed events: routing first, finish then usage last", async () => {
        const events: StreamResponse[] = [];
        for await (const event of client().stream({
          request: {
            model: "fixture/chat-stream-parallel-tools",
            messages: [userMessage("weather and stock")],
            tools: [{ name: "GetWeatherArgs" }, { name: "get_stock_price" }],
          },
        })) {
          events.push(event);
        }
        const kinds = events.map((event) => event.event.case);
        assert.equal(kinds[0], "routing");
        assert.equal(kinds.at(-1), "usage");
        assert.equal(kinds.at(-2), "finish");
        const starts = events.flatMap((event) =>
          event.event.case === "toolCallStart" ? [event.event.value] : [],
        );
        assert.deepEqual(
          starts.map((start) => [start.toolCallIndex, start.name]),
          [
            [0, "GetWeatherArgs"],
            [1, "get_stock_price"],
          ],
        );
        const args = new Map<number, string>();
        for (const event of events) {
          if (event.event.case === "toolCallArgumentsDelta") {
            const value = event.event.value;
            args.set(value.toolCallIndex, (args.get(value.toolCallIndex) ?? "") + value.argumentsDelta);
          }
        }
        for (const text of args.values()) assert.equal(typeof JSON.parse(text), "object");
        const ends = events.filter((event) => event.event.case === "toolCallEnd").length;
        assert.equal(ends, 2);
        const finish = events.at(-2)?.event;
        assert.equal(finish?.case === "finish" ? finish.value.reason : undefined, FinishReason.TOOL_CALLS);
      });

      it("maps errors to Connect codes with an ErrorDetail naming the field", async () => {
        await assert.rejects(
          client().complete({ request: { model: "no-such-model", messages: [userMessage("x")] } }),
          (error: unknown) => {
            assert.ok(error instanceof ConnectError);
            assert.equal(error.code, Code.NotFound);
            const detail = error.findDetails(ErrorDetailSchema)[0];
            assert.equal(detail?.kind, "model_not_found");
            assert.equal(detail?.param, "model");
            return true;
          },
        );
        await assert.rejects(
          client().complete({
            request: { model: "mock-gpt", messages: [{ role: Role.UNSPECIFIED, content: [] }] },
          }),
          (error: unknown) =>
            error instanceof ConnectError &&
            error.code === Code.InvalidArgument &&
            error.findDetails(ErrorDetailSchema)[0]?.param === "request.messages[0].role",
        );
        await assert.rejects(
          client().complete({ request: { model: "mock/error-429", messages: [userMessage("x")] } }),
          (error: unknown) => error instanceof ConnectError && error.code === Code.ResourceExhausted,
        );
      });
    });
  }

  it("refuses a missing or wrong key with Unauthenticated", async () => {
    const client = createSwitchboardClient({
      baseUrl: gateway.url,
      apiKey: "sk-wrong-key",
      protocol: "grpc",
    }).chat;
    await assert.rejects(
      client.complete({ request: { model: "mock-gpt", messages: [userMessage("x")] } }),
      (error: unknown) => error instanceof ConnectError && error.code === Code.Unauthenticated,
    );
  });

  it("pages ListModels with opaque tokens and rejects foreign tokens", async () => {
    const client = createSwitchboardClient({ baseUrl: gateway.url, apiKey: MASTER_KEY }).chat;
    const first = await client.listModels({ pageSize: 2 });
    assert.equal(first.models.length, 2);
    assert.notEqual(first.nextPageToken, "");
    const second = await client.listModels({ pageSize: 2, pageToken: first.nextPageToken });
    assert.ok(second.models.length >= 1);
    assert.notDeepEqual(
      second.models.map((model) => model.id),
      first.models.map((model) => model.id),
    );
    await assert.rejects(
      client.listModels({ pageToken: "not-ours" }),
      (error: unknown) => error instanceof ConnectError && error.code === Code.InvalidArgument,
    );
  });

  it("serves gRPC over h2c to a client that is not ours (@grpc/grpc-js)", async () => {
    const definition = protoLoader.loadSync("switchboard/v1/chat_service.proto", {
      includeDirs: [`${ROOT}proto`],
      keepCase: false,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      switchboard: { v1: { ChatService: grpc.ServiceClientConstructor } };
    };
    const address = gateway.url.replace("http://", "");
    const client = new loaded.switchboard.v1.ChatService(address, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${MASTER_KEY}`);
    try {
      const response = await new Promise<{ choices: { content: string }[]; model: string }>(
        (resolve, reject) => {
          client["complete"]?.(
            {
              request: { model: "mock-gpt", messages: [{ role: "ROLE_USER", content: [{ text: "hello" }] }] },
            },
            metadata,
            (error: grpc.ServiceError | null, value: { choices: { content: string }[]; model: string }) =>
              error ? reject(error) : resolve(value),
          );
        },
      );
      assert.equal(response.model, "mock-gpt");
      assert.match(response.choices[0]?.content ?? "", /mock provider/);
      const denied = await new Promise<grpc.ServiceError>((resolve) => {
        client["complete"]?.(
          { request: { model: "mock-gpt", messages: [{ role: "ROLE_USER", content: [{ text: "x" }] }] } },
          new grpc.Metadata(),
          (error: grpc.ServiceError | null) => resolve(error as grpc.ServiceError),
        );
      });
      assert.equal(denied.code, grpc.status.UNAUTHENTICATED);
    } finally {
      client.close();
    }
  });

  it("answers buf curl over gRPC with HTTP/2 prior knowledge", async () => {
    const { stdout } = await run(
      `${ROOT}node_modules/.bin/buf`,
      [
        "curl",
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        "--schema",
        `${ROOT}proto`,
        "-H",
        `Authorization: Bearer ${MASTER_KEY}`,
        "-d",
        JSON.stringify({
          request: { model: "mock-gpt", messages: [{ role: "ROLE_USER", content: [{ text: "hi" }] }] },
        }),
        `${gateway.url}/switchboard.v1.ChatService/Complete`,
      ],
      { cwd: ROOT, timeout: 60_000 },
    );
    const body = JSON.parse(stdout) as { model: string; choices: { content: string }[] };
    assert.equal(body.model, "mock-gpt");
    assert.match(body.choices[0]?.content ?? "", /mock provider/);
  });

  it("attaches a decodable ErrorDetail on the wire", async () => {
    const response = await fetch(`${gateway.url}/switchboard.v1.ChatService/Complete`, {
      method: "POST",
      headers: { ...gateway.headers },
      body: JSON.stringify({ request: { model: "", messages: [] } }),
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { code: string; details: { type: string; value: string }[] };
    assert.equal(body.code, "invalid_argument");
    const detail = body.details[0];
    assert.equal(detail?.type, "switchboard.v1.ErrorDetail");
    const decoded = fromBinary(ErrorDetailSchema, Buffer.from(detail?.value ?? "", "base64"));
    assert.equal(decoded.param, "model");
  });
});
