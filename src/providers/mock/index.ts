import { setTimeout as delay } from "node:timers/promises";
import type { ErrorKind } from "../../core/errors/error-kind.js";
import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatEvent, ChatRequest, ChatResponse, FinishReason, Usage } from "../../core/types/chat.js";
import type { LocalProviderAdapter, ProviderCallContext } from "../../core/types/provider.js";

/**
 * The mock provider answers inside the process, with behaviour chosen by the model name, for demos, tests and
 * load tests of everything but upstream I/O:
 * - `*echo*`: repeats the last user text;
 * - `*slow*` (e.g. `slow-stream`, `slow-stream-200`): streams ten words, one every N ms (default 50);
 * - `*tool*`: calls the first declared tool with `{}` arguments;
 * - `*reasoning*`: thinks (a reasoning delta with a signature) before answering;
 * - `error-<status>` (e.g. `error-429`, `error-500`): fails like a provider answering that status;
 * - `*midstream-error*`: streams the first word, then fails in-stream like an overloaded provider;
 * - anything else: a fixed reply.
 */
export const FIXED_REPLY = "Hello from Switchboard's mock provider.";

interface Plan {
  text: string;
  toolCall?: { name: string; arguments: string };
  reasoning?: string;
  delayMs: number;
  finish: FinishReason;
  /** Streams fail after this many words (an in-stream provider error). */
  failAfterWords?: number;
}

const ERROR_KINDS_BY_STATUS: Record<number, ErrorKind> = {
  400: "upstream_bad_request",
  401: "upstream_auth",
  403: "upstream_auth",
  404: "model_not_found",
  408: "timeout",
  429: "upstream_rate_limited",
  500: "upstream_unavailable",
  502: "upstream_unavailable",
  503: "upstream_unavailable",
  504: "timeout",
  529: "upstream_unavailable",
};

function lastUserText(request: ChatRequest): string {
  for (let index = request.messages.length - 1; index >= 0; index--) {
    const message = request.messages[index];
    if (message?.role !== "user") continue;
    if (typeof message.content === "string") return message.content;
    if (message.content === null) return "";
    return message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
  }
  return "";
}

function plan(request: ChatRequest, model: string): Plan {
  const error = /error-(\d{3})/.exec(model);
  if (error) {
    const status = Number(error[1]);
    const kind =
      ERROR_KINDS_BY_STATUS[status] ?? (status >= 500 ? "upstream_unavailable" : "upstream_bad_request");
    throw new GatewayError(kind, `Provider 'mock' returned HTTP ${status}: simulated failure.`, {
      provider: "mock",
      upstreamStatus: status,
      reason: "mock_error",
      ...(kind === "upstream_rate_limited" ? { retryAfterMs: 1000 } : {}),
    });
  }
  const slow = /slow[^0-9]*(\d+)?/.exec(model);
  const base: Plan = {
    text: model.includes("echo") ? lastUserText(request) : FIXED_REPLY,
    delayMs: slow ? Number(slow[1] ?? 50) : 0,
    finish: "stop",
  };
  if (slow) base.text = "one two three four five six seven eight nine ten";
  if (model.includes("midstream-error")) base.failAfterWords = 1;
  if (model.includes("reasoning")) base.reasoning = "The user wants a short answer.";
  const tool = request.tools?.[0];
  if (model.includes("tool") && tool !== undefined) {
    base.text = "";
    base.toolCall = { name: tool.name, arguments: "{}" };
    base.finish = "tool_calls";
  }
  if (request.maxTokens !== undefined && countTokens(base.text) > request.maxTokens) {
    base.text = base.text.split(" ").slice(0, request.maxTokens).join(" ");
    base.finish = "length";
  }
  return base;
}

function countTokens(text: string): number {
  return text.length === 0 ? 0 : text.split(/\s+/).length;
}

function usageOf(request: ChatRequest, plan: Plan): Usage {
  let promptTokens = 0;
  for (const message of request.messages) {
    const text =
      typeof message.content === "string"
        ? message.content
        : (message.content ?? []).map((part) => (part.type === "text" ? part.text : "")).join(" ");
    promptTokens += countTokens(text) + 3;
  }
  const completionTokens =
    countTokens(plan.text) + (plan.toolCall ? 5 : 0) + countTokens(plan.reasoning ?? "");
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

let counter = 0;
function responseId(): string {
  counter = (counter + 1) % 1_000_000_000;
  return `chatcmpl-mock-${Date.now().toString(36)}${counter.toString(36)}`;
}

export const mockProvider: LocalProviderAdapter = {
  kind: "local",
  id: "mock",
  capabilities: ["streaming", "tools", "reasoning", "n", "json_object"],

  async complete(
    request: ChatRequest,
    context: ProviderCallContext,
    signal: AbortSignal,
  ): Promise<ChatResponse> {
    const p = plan(request, context.deployment.model);
    if (p.delayMs > 0) await delay(p.delayMs, undefined, { signal });
    const n = request.n ?? 1;
    return {
      id: responseId(),
      model: `mock/${context.deployment.model}`,
      created: Math.floor(Date.now() / 1000),
      choices: Array.from({ length: n }, (_, index) => ({
        index,
        message: {
          content: p.toolCall ? null : p.text,
          refusal: null,
          ...(p.toolCall ? { toolCalls: [{ id: `call_mock_${index}`, ...p.toolCall }] } : {}),
          ...(p.reasoning ? { reasoning: [{ text: p.reasoning, signature: "mock-signature" }] } : {}),
        },
        finishReason: p.finish,
        providerFinishReason: p.finish,
      })),
      usage: usageOf(request, p),
    };
  },

  async *stream(
    request: ChatRequest,
    context: ProviderCallContext,
    signal: AbortSignal,
  ): AsyncIterable<ChatEvent[]> {
    const p = plan(request, context.deployment.model);
    const n = request.n ?? 1;
    yield [
      {
        type: "response-start",
        id: responseId(),
        model: `mock/${context.deployment.model}`,
        created: Math.floor(Date.now() / 1000),
      },
    ];
    for (let choice = 0; choice < n; choice++) {
      if (p.reasoning) {
        yield [{ type: "reasoning-delta", choice, text: p.reasoning }];
        yield [{ type: "reasoning-delta", choice, signature: "mock-signature" }];
      }
      if (p.toolCall) {
        yield [
          { type: "tool-call-start", choice, index: 0, id: `call_mock_${choice}`, name: p.toolCall.name },
          { type: "tool-call-delta", choice, index: 0, argumentsDelta: p.toolCall.arguments },
        ];
        yield [{ type: "tool-call-end", choice, index: 0 }];
      }
      const words = p.text.length === 0 ? [] : p.text.split(" ");
      for (const [position, word] of words.entries()) {
        if (p.delayMs > 0) await delay(p.delayMs, undefined, { signal });
        else if (signal.aborted) throw signal.reason;
        if (position === p.failAfterWords) {
          throw new GatewayError(
            "upstream_unavailable",
            "Provider 'mock' failed mid-stream: simulated overload.",
            {
              provider: "mock",
              reason: "mock_midstream_error",
            },
          );
        }
        yield [{ type: "text-delta", choice, text: position === 0 ? word : ` ${word}` }];
      }
      yield [{ type: "finish", choice, reason: p.finish, providerReason: p.finish }];
    }
    yield [{ type: "usage", usage: usageOf(request, p) }];
  },
};
