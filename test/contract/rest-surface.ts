/**
 * The REST surface: the official `openai` SDK against the gateway's OpenAI shim. Every response and every chunk
 * is validated against OpenAI's own schemas; streams go through the SDK's stream helper (which accumulates tool
 * calls) and are cross-checked against our own accumulation of the raw chunks.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { ChatCompletionStream } from "openai/lib/ChatCompletionStream";
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { assertValid, openAISchemas } from "../helpers/openai-schemas.js";
import type {
  NeutralMessage,
  NeutralRequest,
  Outcome,
  OutcomeReasoning,
  OutcomeToolCall,
  OutcomeUsage,
  StreamHooks,
  Surface,
} from "./surface.js";

type Json = Record<string, unknown>;

function toMessage(message: NeutralMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case "system":
      return { role: "system", content: message.text ?? "" };
    case "user":
      if (message.imageUrls === undefined) return { role: "user", content: message.text ?? "" };
      return {
        role: "user",
        content: [
          { type: "text", text: message.text ?? "" },
          ...message.imageUrls.map((url) => ({ type: "image_url" as const, image_url: { url } })),
        ],
      };
    case "tool":
      return { role: "tool", tool_call_id: message.toolCallId ?? "", content: message.text ?? "" };
    case "assistant": {
      const out: Json = { role: "assistant", content: message.text ?? null };
      if (message.toolCalls !== undefined) {
        out["tool_calls"] = message.toolCalls.map((call) => ({
          id: call.id,
          type: "function",
          function: { name: call.name, arguments: call.arguments },
          ...(call.providerOptions ? { provider_specific_fields: call.providerOptions } : {}),
        }));
      }
      if (message.reasoning !== undefined && message.reasoning.length > 0) {
        // LiteLLM's convention, which the gateway reads back: text in reasoning_content, blocks with signatures.
        out["reasoning_content"] = message.reasoning.map((part) => part.text ?? "").join("");
        out["thinking_blocks"] = message.reasoning.map((part) =>
          part.redactedData !== undefined
            ? { type: "redacted_thinking", data: part.redactedData }
            : {
                type: "thinking",
                thinking: part.text ?? "",
                ...(part.signature !== undefined ? { signature: part.signature } : {}),
              },
        );
      }
      return out as unknown as ChatCompletionMessageParam;
    }
  }
}

function toParams(request: NeutralRequest): ChatCompletionCreateParamsBase {
  const params: ChatCompletionCreateParamsBase = {
    model: request.model,
    messages: request.messages.map(toMessage),
  };
  if (request.tools !== undefined) {
    params.tools = request.tools.map((tool) => ({
      type: "function",
      function: {
        name: tool.name,
        parameters: tool.parameters,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
      },
    }));
  }
  if (request.responseFormat !== undefined) {
    params.response_format = {
      type: "json_schema",
      json_schema: { name: request.responseFormat.name, schema: request.responseFormat.schema },
    };
  }
  if (request.reasoningEffort !== undefined) params.reasoning_effort = request.reasoningEffort;
  if (request.stream && request.includeUsage) params.stream_options = { include_usage: true };
  return params;
}

function usageOf(usage: OpenAI.CompletionUsage | null | undefined): OutcomeUsage | undefined {
  if (usage === null || usage === undefined) return undefined;
  return {
    prompt: usage.prompt_tokens,
    completion: usage.completion_tokens,
    total: usage.total_tokens,
    ...(usage.completion_tokens_details?.reasoning_tokens !== undefined
      ? { reasoning: usage.completion_tokens_details.reasoning_tokens }
      : {}),
    ...(usage.prompt_tokens_details?.cached_tokens !== undefined
      ? { cached: usage.prompt_tokens_details.cached_tokens }
      : {}),
  };
}

/** `thinking_blocks` as the gateway renders them (LiteLLM's shape). */
function reasoningOf(message: Json): OutcomeReasoning[] {
  const blocks = message["thinking_blocks"];
  if (Array.isArray(blocks)) {
    return blocks.map((block: Json) =>
      block["type"] === "redacted_thinking"
        ? { redactedData: String(block["data"]) }
        : {
            text: String(block["thinking"] ?? ""),
            ...(typeof block["signature"] === "string" ? { signature: block["signature"] } : {}),
          },
    );
  }
  const text = message["reasoning_content"];
  return typeof text === "string" && text.length > 0 ? [{ text }] : [];
}

/** Accumulates raw chunks the way a careful caller would; the SDK helper's result is compared against it. */
class ChunkAccumulator {
  text = "";
  reasoningText = "";
  signatures: string[] = [];
  redacted: string[] = [];
  finish: string | null = null;
  usage: OutcomeUsage | undefined;
  usageChunks = 0;
  readonly calls = new Map<number, OutcomeToolCall>();
  private chunksAfterUsage = 0;

  add(chunk: ChatCompletionChunk): void {
    if (this.usageChunks > 0) this.chunksAfterUsage++;
    if (chunk.usage !== undefined && chunk.usage !== null) {
      this.usageChunks++;
      assert.deepEqual(chunk.choices, [], "the usage chunk has no choices");
      this.usage = usageOf(chunk.usage);
    }
    for (const choice of chunk.choices) {
      assert.equal(choice.index, 0);
      const delta = choice.delta as Json & ChatCompletionChunk.Choice.Delta;
      if (typeof delta.content === "string") this.text += delta.content;
      if (typeof delta["reasoning_content"] === "string") this.reasoningText += delta["reasoning_content"];
      for (const block of (delta["thinking_blocks"] as Json[] | undefined) ?? []) {
        if (typeof block["signature"] === "string") this.signatures.push(block["signature"]);
        if (typeof block["data"] === "string") this.redacted.push(block["data"]);
      }
      for (const call of delta.tool_calls ?? []) {
        const open = this.calls.get(call.index);
        if (open === undefined) {
          assert.ok(call.id, `the first delta of tool call ${call.index} carries its id`);
          assert.ok(call.function?.name, `the first delta of tool call ${call.index} carries its name`);
          const extra = (call as unknown as Json)["provider_specific_fields"] as
            | Record<string, unknown>
            | undefined;
          this.calls.set(call.index, {
            id: call.id,
            name: call.function.name,
            arguments: call.function.arguments ?? "",
            ...(extra ? { providerOptions: extra } : {}),
          });
        } else {
          assert.equal(call.id, undefined, "later deltas of a tool call do not repeat its id");
          open.arguments += call.function?.arguments ?? "";
        }
      }
      if (choice.finish_reason !== null) this.finish = choice.finish_reason;
    }
  }

  outcome(provider: string): Outcome {
    assert.ok(this.chunksAfterUsage === 0, "the usage chunk is the last chunk");
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
      toolCalls: [...this.calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call),
      finish: this.finish,
      ...(this.usage !== undefined ? { usage: this.usage } : {}),
      provider,
    };
  }
}

export function restSurface(baseUrl: string, apiKey: string): Surface {
  const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey, maxRetries: 0 });
  const schemas = openAISchemas();

  async function unary(request: NeutralRequest): Promise<Outcome> {
    const { data, response } = await client.chat.completions
      .create({ ...toParams(request), stream: false })
      .withResponse();
    assertValid(schemas.response, data, "chat.completion");
    assert.equal(data.object, "chat.completion");
    assert.equal(data.choices.length, 1);
    const choice = data.choices[0];
    assert.ok(choice !== undefined);
    const message = choice.message as typeof choice.message & Json;
    return {
      text: message.content ?? "",
      reasoning: reasoningOf(message),
      toolCalls: (message.tool_calls ?? []).map((call) => {
        assert.equal(call.type, "function");
        const extra = (call as unknown as Json)["provider_specific_fields"] as
          | Record<string, unknown>
          | undefined;

        return {
          id: call.id,
          name: call.type === "function" ? call.function.name : "",
          arguments: call.type === "function" ? call.function.arguments : "",
          ...(extra ? { providerOptions: extra } : {}),
        };
      }),
      finish: choice.finish_reason,
      ...(usageOf(data.usage) !== undefined ? { usage: usageOf(data.usage) as OutcomeUsage } : {}),
      provider: response.headers.get("x-switchboard-provider") ?? "",
    };
  }

  async function streamed(request: NeutralRequest, hooks: StreamHooks = {}): Promise<Outcome> {
    const { data, response } = await client.chat.completions
      .create({ ...toParams(request), stream: true }, hooks.signal ? { signal: hooks.signal } : {})
      .withResponse();
    const provider = response.headers.get("x-switchboard-provider") ?? "";
    // The SDK's stream helper (the one that accumulates tool calls) over the same bytes.
    const runner = ChatCompletionStream.fromReadableStream(data.toReadableStream());
    const accumulator = new ChunkAccumulator();
    let notified = false;
    runner.on("chunk", (chunk) => {
      assertValid(schemas.chunk, chunk, "chat.completion.chunk");
      assert.equal(chunk.object, "chat.completion.chunk");
      accumulator.add(chunk);
      if (!notified && (accumulator.text.length > 0 || accumulator.reasoningText.length > 0)) {
        notified = true;
        hooks.onFirstContent?.();
      }
    });
    const final = await runner.finalChatCompletion();
    const outcome = accumulator.outcome(provider);
    if (!request.includeUsage) assert.equal(accumulator.usageChunks, 0, "no usage chunk unless asked for");
    else assert.equal(accumulator.usageChunks, 1, "exactly one usage chunk when asked for");
    // The SDK's own accumulation agrees with ours (ids, names, arguments, text).
    const message = final.choices[0]?.message;
    assert.equal(message?.content ?? "", outcome.text);
    assert.deepEqual(
      (message?.tool_calls ?? []).map((call) =>
        call.type === "function" ? [call.id, call.function.name, call.function.arguments] : [],
      ),
      outcome.toolCalls.map((call) => [call.id, call.name, call.arguments]),
    );
    return outcome;
  }

  return {
    name: "rest",
    send: (request, hooks) => (request.stream ? streamed(request, hooks) : unary(request)),

    async expectError(request, errorClass, retryAfterSeconds) {
      const error = await (request.stream ? streamed(request) : unary(request)).then(
        () => assert.fail(`expected ${errorClass}, got a success`),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof OpenAI.APIError, `an APIError, got ${String(error)}`);
      const body = error.error as { message?: unknown; type?: unknown; code?: unknown } | undefined;
      assert.equal(typeof body?.message, "string", "OpenAI error envelope with a message");
      assert.equal(typeof body?.type, "string", "OpenAI error envelope with a type");
      switch (errorClass) {
        case "bad_request":
          assert.ok(error instanceof OpenAI.BadRequestError, `400, got ${error.status}`);
          break;
        case "upstream_auth":
          // Our credential failed upstream: never a 401 (the caller's key is fine), and no upstream detail.
          assert.notEqual(error.status, 401);
          assert.equal(error.status, 502);
          assert.equal(body?.code, "upstream_authentication_failed");
          break;
        case "not_found":
          assert.ok(error instanceof OpenAI.NotFoundError, `404, got ${error.status}`);
          break;
        case "rate_limited": {
          assert.ok(error instanceof OpenAI.RateLimitError, `429, got ${error.status}`);
          const header = error.headers?.get("retry-after");
          if (retryAfterSeconds !== undefined) assert.equal(Number(header), retryAfterSeconds);
          break;
        }
        case "unavailable":
          assert.equal(error.status, 503);
          break;
      }
    },

    async expectInStreamError(request) {
      const accumulator = new ChunkAccumulator();
      const stream = await client.chat.completions.create({ ...toParams(request), stream: true });
      const failure = await (async () => {
        for await (const chunk of stream) {
          assertValid(schemas.chunk, chunk, "chat.completion.chunk");
          accumulator.add(chunk);
        }
      })().then(
        () => assert.fail("expected the stream to end with an error event"),
        (error: unknown) => error,
      );
      assert.ok(
        failure instanceof OpenAI.APIError,
        `an APIError from the error event, got ${String(failure)}`,
      );
      const body = failure.error as { type?: unknown; code?: unknown; message?: unknown } | undefined;
      assert.equal(typeof body?.message, "string");
      assert.equal(typeof body?.type, "string");
      return accumulator.text;
    },

    async abortAfterFirstContent(request) {
      // The raw SDK stream (the helper turns a caller's abort into a "missing finish_reason" error).
      const controller = new AbortController();
      const stream = await client.chat.completions.create(
        { ...toParams(request), stream: true },
        { signal: controller.signal },
      );
      let content = "";
      const ended = await (async () => {
        for await (const chunk of stream) {
          assertValid(schemas.chunk, chunk, "chat.completion.chunk");
          content += chunk.choices[0]?.delta.content ?? "";
          if (content.length > 0) controller.abort();
        }
      })().then(
        () => "ended",
        (error: unknown) => error,
      );
      assert.ok(content.length > 0, "content arrived before the abort");
      const aborted =
        ended === "ended" ||
        ended instanceof OpenAI.APIUserAbortError ||
        (ended instanceof Error && ended.name === "AbortError");
      assert.ok(aborted, `the stream stopped because the caller aborted, got ${String(ended)}`);
    },
  };
}
