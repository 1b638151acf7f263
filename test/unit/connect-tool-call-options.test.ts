import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ChatRequestSchema, Role } from "../../gen/switchboard/v1/chat_service_pb.js";
import { fromProtoChatRequest } from "../../src/connect/from-proto.js";
import { toProtoCompleteResponse, toProtoStreamEvent } from "../../src/connect/to-proto.js";

const routing = { modelGroup: "g", deployment: "d", provider: "gemini", model: "m", attempts: [] };

describe("Connect carries provider data of tool calls (Gemini thoughtSignature) both ways", () => {
  it("returns it on unary tool calls and on tool-call-start events", () => {
    const response = toProtoCompleteResponse(
      {
        id: "r",
        model: "m",
        created: 1,
        choices: [
          {
            index: 0,
            message: {
              content: null,
              toolCalls: [
                { id: "c", name: "f", arguments: "{}", providerOptions: { thoughtSignature: "sig" } },
              ],
            },
            finishReason: "tool_calls",
          },
        ],
      },
      routing,
      "fallback",
    );
    assert.deepEqual(response.choices[0]?.toolCalls[0]?.providerOptions, { thoughtSignature: "sig" });
    const event = toProtoStreamEvent({
      type: "tool-call-start",
      choice: 0,
      index: 0,
      id: "c",
      name: "f",
      providerOptions: { thoughtSignature: "sig" },
    });
    assert.equal(event?.case, "toolCallStart");
    assert.deepEqual(event?.case === "toolCallStart" ? event.value.providerOptions : undefined, {
      thoughtSignature: "sig",
    });
  });

  it("reads it back from an assistant turn", () => {
    const request = fromProtoChatRequest(
      create(ChatRequestSchema, {
        model: "m",
        messages: [
          { role: Role.USER, content: [{ part: { case: "text", value: "q" } }] },
          {
            role: Role.ASSISTANT,
            toolCalls: [
              { id: "c", name: "f", arguments: "{}", providerOptions: { thoughtSignature: "sig" } },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(request.messages[1]?.toolCalls?.[0]?.providerOptions, { thoughtSignature: "sig" });
  });
});
