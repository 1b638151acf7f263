import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { CompleteRequestSchema, Role } from "../../../gen/switchboard/v1/chat_service_pb.js";
import { ErrorDetailSchema } from "../../../gen/switchboard/v1/error_detail_pb.js";
import { type FakeOpenAIUpstream, startFakeOpenAI } from "../../helpers/fake-openai-upstream.js";
import { MASTER_KEY, standardDeployments, startTestGateway } from "../../helpers/gateway.js";

/**
 * Property-based fuzzing of every inbound wire format against a real gateway: OpenAI chat JSON (REST), Connect
 * JSON, binary protobuf over Connect. Property: the answer is a 2xx, or a 4xx with the documented error shape —
 * never a 5xx, never a stack trace — and an answer that is a 4xx made no upstream call. Runs are bounded (RUNS per
 * format) so the file stays well under a minute on two cores.
 */
const RUNS = 250;
const COMPLETE = "/switchboard.v1.ChatService/Complete";

const anyJson = fc.jsonValue({ maxDepth: 4 });

/** Bodies near the valid shape: known keys, arbitrary values, some mutations of a valid request. */
const restBody = fc.oneof(
  anyJson,
  // Valid requests with one knob drawn from around its range: some are served, some refused by the core.
  fc.record({
    model: fc.constantFrom("fixture/chat-basic", "mock-gpt"),
    messages: fc.constant([{ role: "user", content: "hi" }]),
    temperature: fc.double({ min: -1, max: 3, noNaN: true }),
    max_tokens: fc.integer({ min: -1, max: 20_000_000 }),
  }),
  fc.record(
    {
      model: fc.oneof(fc.constantFrom("fixture/chat-basic", "mock-gpt", "", "nope"), fc.string(), anyJson),
      messages: fc.oneof(
        fc.constant([{ role: "user", content: "hi" }]),
        fc.array(
          fc.record(
            {
              role: fc.oneof(fc.constantFrom("user", "assistant", "tool", "system", "function"), fc.string()),
              content: fc.oneof(fc.string(), anyJson),
              tool_call_id: fc.string(),
              tool_calls: anyJson,
            },
            { requiredKeys: ["role"] },
          ),
          { maxLength: 4 },
        ),
        anyJson,
      ),
      temperature: fc.oneof(fc.double(), anyJson),
      max_tokens: fc.oneof(fc.integer(), anyJson),
      tools: anyJson,
      response_format: anyJson,
      stop: anyJson,
      n: anyJson,
      stream: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
);

const connectBody = fc.oneof(
  anyJson,
  fc.record({
    request: fc.record({
      model: fc.constantFrom("fixture/chat-basic", "mock-gpt"),
      messages: fc.constant([{ role: "ROLE_USER", content: [{ text: "hi" }] }]),
      temperature: fc.double({ min: -1, max: 3, noNaN: true }),
      maxTokens: fc.integer({ min: -1, max: 20_000_000 }),
    }),
  }),
  fc.record(
    {
      request: fc.oneof(
        anyJson,
        fc.record(
          {
            model: fc.oneof(fc.constantFrom("fixture/chat-basic", "mock-gpt", ""), fc.string()),
            messages: fc.oneof(
              fc.constant([{ role: "ROLE_USER", content: [{ text: "hi" }] }]),
              fc.array(
                fc.record({
                  role: fc.constantFrom("ROLE_USER", "ROLE_TOOL", "ROLE_ASSISTANT", "ROLE_UNSPECIFIED", "x"),
                  content: fc.oneof(fc.constant([{ text: "hi" }]), anyJson),
                }),
                { maxLength: 3 },
              ),
            ),
            temperature: fc.oneof(fc.double(), anyJson),
            maxTokens: fc.oneof(fc.integer(), anyJson),
            tools: anyJson,
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  ),
);

const validBinary = toBinary(
  CompleteRequestSchema,
  create(CompleteRequestSchema, {
    request: {
      model: "fixture/chat-basic",
      messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hi" } }] }],
      maxTokens: 16,
    },
  }),
);

/** Valid bytes with flips, cuts and insertions, or plain random bytes. */
const binaryBody = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc
    .record({
      flips: fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 4 }),
      cut: fc.nat({ max: validBinary.length }),
      insert: fc.uint8Array({ maxLength: 8 }),
    })
    .map(({ flips, cut, insert }) => {
      const bytes = new Uint8Array(validBinary);
      for (const flip of flips) {
        const at = flip.at % bytes.length;
        bytes[at] = (bytes[at] as number) ^ flip.xor;
      }
      return new Uint8Array([...bytes.subarray(0, cut), ...insert, ...bytes.subarray(cut)]);
    }),
);

describe("fuzzing the inbound wire formats: 2xx or a documented 4xx, never a 5xx", () => {
  let upstream: FakeOpenAIUpstream;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  const counts = {
    rest: { ok: 0, rejected: 0 },
    connectJson: { ok: 0, rejected: 0 },
    binary: { ok: 0, rejected: 0 },
  };

  before(async () => {
    upstream = await startFakeOpenAI();
    gateway = await startTestGateway(standardDeployments(upstream.baseUrl));
  });
  after(async () => {
    await gateway.close(100);
    await upstream.close();
    console.log(`fuzz answers: ${JSON.stringify(counts)}`);
  });

  it(`OpenAI chat JSON over REST (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(restBody, async (body) => {
        const before = upstream.requests.length;
        const response = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: "POST",
          headers: gateway.headers,
          body: JSON.stringify(body),
        });
        const text = await response.text();
        assert.ok(response.status < 500, `${response.status}: ${text}`);
        assert.doesNotMatch(text, /\s+at\s+\S+\s+\(/);
        if (response.status >= 400) {
          counts.rest.rejected++;
          const parsed = JSON.parse(text) as {
            error?: { message?: unknown; type?: unknown; code?: unknown };
          };
          assert.equal(typeof parsed.error?.message, "string");
          assert.equal(typeof parsed.error?.type, "string");
          assert.ok("param" in (parsed.error ?? {}) && "code" in (parsed.error ?? {}));
          assert.equal(upstream.requests.length, before, "a refused request made no upstream call");
        } else counts.rest.ok++;
      }),
      { numRuns: RUNS },
    );
  });

  it(`Connect JSON (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(connectBody, async (body) => {
        const before = upstream.requests.length;
        const response = await fetch(`${gateway.url}${COMPLETE}`, {
          method: "POST",
          headers: gateway.headers,
          body: JSON.stringify(body),
        });
        const text = await response.text();
        assert.ok(response.status < 500, `${response.status}: ${text}`);
        assert.doesNotMatch(text, /\s+at\s+\S+\s+\(/);
        if (response.status >= 400) {
          counts.connectJson.rejected++;
          const parsed = JSON.parse(text) as { code?: unknown; message?: unknown };
          assert.equal(typeof parsed.code, "string");
          assert.equal(typeof parsed.message, "string");
          assert.equal(upstream.requests.length, before, "a refused request made no upstream call");
        } else counts.connectJson.ok++;
      }),
      { numRuns: RUNS },
    );
  });

  it(`binary protobuf over Connect (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(binaryBody, async (bytes) => {
        const before = upstream.requests.length;
        const response = await fetch(`${gateway.url}${COMPLETE}`, {
          method: "POST",
          headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/proto" },
          body: bytes,
        });
        const payload = Buffer.from(await response.arrayBuffer());
        if (response.status >= 400) {
          counts.binary.rejected++;
          const parsed = JSON.parse(payload.toString("utf8")) as {
            code?: unknown;
            details?: { type: string; value: string }[];
          };
          assert.equal(typeof parsed.code, "string");
          assert.doesNotMatch(payload.toString("utf8"), /\s+at\s+\S+\s+\(/);
          // A mutated model name can still be a valid request (`fixture/chat-bxsic`): the fake upstream then
          // fails it and its error is relayed, naming the provider. Everything the gateway itself refused is a
          // 4xx and made no upstream call.
          const detail = parsed.details?.find((entry) => entry.type === "switchboard.v1.ErrorDetail");
          const provider = detail
            ? fromBinary(ErrorDetailSchema, Buffer.from(detail.value, "base64")).provider
            : "";
          if (provider === "") {
            assert.ok(response.status < 500, `${response.status}: ${payload.toString("utf8")}`);
            assert.equal(upstream.requests.length, before, "a refused request made no upstream call");
          }
        } else counts.binary.ok++;
      }),
      { numRuns: RUNS },
    );
  });
});
