/**
 * The Connect surface: the typed client from clients/typescript against the Chat service. Streams are checked
 * as typed events: routing first, the same response id on every event, tool calls opened, filled and closed in
 * that order, the finish of the choice and then exactly one usage last.
 */
import assert from "node:assert/strict";
import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type ChatRequestSchema,
  type ContentPartSchema,
  createSwitchboardClient,
  ErrorDetailSchema,
  FinishReason,
  type MessageSchema,
  ReasoningEffort,
  Role,
  type StreamResponse,
  type Usage,
} from "../../clients/typescript/src/index.js";
import type {
  ErrorClass,
  NeutralMessage,
  NeutralRequest,
  Outcome,
  OutcomeReasoning,
  OutcomeToolCall,
  OutcomeUsage,
  StreamHooks,
  Surface,
} from "./surface.js";

type RequestInit = MessageInitShape<typeof ChatRequestSchema>;
type MessageInit = MessageInitShape<typeof MessageSchema>;

const ROLES = { system: Role.SYSTEM, user: Role.USER, assistant: Role.ASSISTANT, tool: Role.TOOL } as const;

function toMessage(message: NeutralMessage): MessageInit {
  const content: MessageInitShape<typeof ContentPartSchema>[] = [];
  if (message.text !== undefined) content.push({ part: { case: "text", value: message.text } });
  for (const url of message.imageUrls ?? []) {
    content.push({ part: { case: "image", value: { source: { case: "url", value: url } } } });
  }
  return {
    role: ROLES[message.role],
    content,
    toolCalls: (message.toolCalls ?? []).map((call) => ({
      id: call.id,
      name: call.name,
      arguments: call.arguments,
      ...(call.providerOptions ? { providerOptions: call.providerOptions as JsonObject } : {}),
    })),
    toolCallId: message.toolCallId ?? "",
    reasoning: (message.reasoning ?? []).map((part) => ({
      text: part.text ?? "",
      signature: part.signature ?? "",
      redactedData: part.redactedData ?? "",
    })),
  };
}

function toRequest(request: NeutralRequest): RequestInit {
  return {
    model: request.model,
    messages: request.messages.map(toMessage),
    tools: (request.tools ?? []).map((tool) => ({
      name: tool.name,
      description: tool.description ?? "",
      parameters: tool.parameters as NonNullable<RequestInit["tools"]>[number]["parameters"],
    })),
    ...(request.responseFormat !== undefined
      ? {
          responseFormat: {
            format: {
              case: "jsonSchema" as const,
              value: {
                name: request.responseFormat.name,
                schema: request.responseFormat.schema as NonNullable<
                  RequestInit["tools"]
                >[number]["parameters"],
              },
            },
          },
        }
      : {}),
    ...(request.reasoningEffort !== undefined ? { reasoningEffort: ReasoningEffort.LOW } : {}),
  };
}

const FINISH: Record<FinishReason, string | null> = {
  [FinishReason.UNSPECIFIED]: null,
  [FinishReason.STOP]: "stop",
  [FinishReason.LENGTH]: "length",
  [FinishReason.TOOL_CALLS]: "tool_calls",
  [FinishReason.CONTENT_FILTER]: "content_filter",
  [FinishReason.ERROR]: "error",
};

function usageOf(usage: Usage | undefined): OutcomeUsage | undefined {
  if (usage === undefined) return undefined;
  return {
    prompt: Number(usage.promptTokens),
    completion: Number(usage.completionTokens),
    total: Number(usage.totalTokens),
    reasoning: Number(usage.reasoningTokens),
    cached: Number(usage.cachedPromptTokens),
  };
}

/** Checks the typed event order of one stream and accumulates it. */
class EventAccumulator {
  readonly events: StreamResponse["event"]["case"][] = [];
  text = "";
  reasoningText = "";
  signatures: string[] = [];
  redacted: string[] = [];
  finish: string | null = null;
  usage: OutcomeUsage | undefined;
  provider = "";
  private id: string | undefined;
  private readonly calls = new Map<number, OutcomeToolCall & { ended: boolean }>();

  add(message: StreamResponse): void {
    const event = message.event;
    assert.ok(event.case !== undefined, "every stream message carries an event");
    if (this.events.length === 0) assert.equal(event.case, "routing", "the routing event comes first");
    else assert.notEqual(event.case, "routing", "routing comes once");
    assert.ok(message.id.length > 0, "every event has the response id");
    if (this.id === undefined) this.id = message.id;
    else assert.equal(message.id, this.id, "the response id is the same on every event");
    if (this.usage !== undefined) assert.fail(`no event after usage (got ${event.case})`);
    if (this.finish !== null) {
      assert.ok(
        event.case === "usage" || event.case === "finish",
        `only usage after finish, got ${event.case}`,
      );
    }
    this.events.push(event.case);
    switch (event.case) {
      case "routing":
        this.provider = event.value.provider;
        assert.ok(event.value.attempts.length >= 1);
        break;
      case "textDelta":
        assert.equal(event.value.choiceIndex, 0);
        this.text += event.value.text;
        break;
      case "reasoningDelta":
        this.reasoningText += event.value.text;
        if (event.value.signature.length > 0) this.signatures.push(event.value.signature);
        if (event.value.redactedData.length > 0) this.redacted.push(event.value.redactedData);
        break;
      case "toolCallStart": {
        const index = event.value.toolCallIndex;
        assert.ok(!this.calls.has(index), `tool call ${index} starts once`);
        assert.ok(
          event.value.id.length > 0 && event.value.name.length > 0,
          "a tool call starts with id and name",
        );
        this.calls.set(index, {
          id: event.value.id,
          name: event.value.name,
          arguments: "",
          ended: false,
          ...(event.value.providerOptions ? { providerOptions: event.value.providerOptions } : {}),
        });
        break;
      }
      case "toolCallArgumentsDelta": {
        const call = this.calls.get(event.value.toolCallIndex);
        assert.ok(call !== undefined, "arguments after the start of their call");
        assert.ok(!call.ended, "no arguments after the end of their call");
        call.arguments += event.value.argumentsDelta;
        break;
      }
      case "toolCallEnd": {
        const call = this.calls.get(event.value.toolCallIndex);
        assert.ok(call !== undefined && !call.ended, "a tool call ends once, after it started");
        call.ended = true;
        break;
      }
      case "finish":
        assert.equal(event.value.choiceIndex, 0);
        this.finish = FINISH[event.value.reason];
        break;
      case "usage":
        this.usage = usageOf(event.value);
        break;
      default:
        break;
    }
  }

  outcome(): Outcome {
    assert.ok(this.finish !== null, "the stream has a finish event");
    assert.equal(this.events.at(-1), "usage", "usage is the last event");
    for (const [index, call] of this.calls) assert.ok(call.ended, `tool call ${index} was closed`);
    const reasoning: OutcomeReasoning[] = [];
    if (this.reasoningText.length > 0 || this.signatures.length > 0) {
      reasoning.push({
        text: this.reasoningText,
        ...(this.signatures.length > 0 ? { signature: this.signatures.join("") } : {}),
      });
    }
    for (const data of this.redacted) reasoning.push({ redactedData: data });
    return {
      text: this.text,
      reasoning,
      toolCalls: [...this.calls.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, { ended: _ended, ...call }]) => call),
      finish: this.finish,
      ...(this.usage !== undefined ? { usage: this.usage } : {}),
      provider: this.provider,
    };
  }
}

const CODES: Record<ErrorClass, Code> = {
  bad_request: Code.InvalidArgument,
  upstream_auth: Code.Internal,
  not_found: Code.NotFound,
  rate_limited: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
};

const KINDS: Record<ErrorClass, string[]> = {
  bad_request: ["upstream_bad_request", "invalid_request", "context_window_exceeded"],
  upstream_auth: ["upstream_auth"],
  not_found: ["model_not_found", "not_found"],
  rate_limited: ["upstream_rate_limited"],
  unavailable: ["upstream_unavailable"],
};

export function connectSurface(baseUrl: string, apiKey: string): Surface {
  const { chat } = createSwitchboardClient({ baseUrl, apiKey, protocol: "connect" });

  async function unary(request: NeutralRequest): Promise<Outcome> {
    const response = await chat.complete({ request: toRequest(request) });
    assert.equal(response.choices.length, 1);
    const choice = response.choices[0];
    assert.ok(choice !== undefined);
    assert.ok(response.routing !== undefined, "a unary answer says which deployment served it");
    return {
      text: choice.content,
      reasoning: choice.reasoning.map((part) => ({
        ...(part.text.length > 0 ? { text: part.text } : {}),
        ...(part.signature.length > 0 ? { signature: part.signature } : {}),
        ...(part.redactedData.length > 0 ? { redactedData: part.redactedData } : {}),
      })),
      toolCalls: choice.toolCalls.map((call) => ({
        id: call.id,
        name: call.name,
        arguments: call.arguments,
        ...(call.providerOptions ? { providerOptions: call.providerOptions } : {}),
      })),
      finish: FINISH[choice.finishReason],
      ...(response.usage !== undefined ? { usage: usageOf(response.usage) as OutcomeUsage } : {}),
      provider: response.routing.provider,
    };
  }

  async function streamed(request: NeutralRequest, hooks: StreamHooks = {}): Promise<Outcome> {
    const accumulator = new EventAccumulator();
    let notified = false;
    for await (const message of chat.stream(
      { request: toRequest(request) },
      hooks.signal ? { signal: hooks.signal } : {},
    )) {
      accumulator.add(message);
      if (!notified && (accumulator.text.length > 0 || accumulator.reasoningText.length > 0)) {
        notified = true;
        hooks.onFirstContent?.();
      }
    }
    return accumulator.outcome();
  }

  return {
    name: "connect",
    send: (request, hooks) => (request.stream ? streamed(request, hooks) : unary(request)),

    async expectError(request, errorClass, retryAfterSeconds) {
      const error = await (request.stream ? streamed(request) : unary(request)).then(
        () => assert.fail(`expected ${errorClass}, got a success`),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof ConnectError, `a ConnectError, got ${String(error)}`);
      assert.equal(Code[error.code], Code[CODES[errorClass]]);
      assert.notEqual(
        error.code,
        Code.Unauthenticated,
        "an upstream failure never says the caller is unknown",
      );
      const [detail] = error.findDetails(ErrorDetailSchema);
      assert.ok(detail !== undefined, "an ErrorDetail is attached");
      assert.ok(KINDS[errorClass].includes(detail.kind), `kind ${detail.kind} for ${errorClass}`);
      if (retryAfterSeconds !== undefined) {
        const ms = Number(error.metadata.get("retry-after-ms"));
        assert.equal(Math.ceil(ms / 1000), retryAfterSeconds);
        assert.equal(Number(detail.retryAfterMs), ms);
      }
    },

    async expectInStreamError(request) {
      const accumulator = new EventAccumulator();
      const error = await (async () => {
        for await (const message of chat.stream({ request: toRequest(request) })) accumulator.add(message);
      })().then(
        () => assert.fail("expected the stream to end with an error"),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof ConnectError, `a ConnectError, got ${String(error)}`);
      assert.equal(Code[error.code], Code[Code.Unavailable]);
      const [detail] = error.findDetails(ErrorDetailSchema);
      assert.equal(detail?.kind, "upstream_unavailable");
      assert.equal(accumulator.events[0], "routing");
      return accumulator.text;
    },

    async abortAfterFirstContent(request) {
      const controller = new AbortController();
      await streamed(request, { signal: controller.signal, onFirstContent: () => controller.abort() }).then(
        () => assert.fail("the stream should have been aborted"),
        (error: unknown) => {
          assert.ok(
            ConnectError.from(error).code === Code.Canceled,
            `cancelled by the caller, got ${String(error)}`,
          );
        },
      );
    },
  };
}
