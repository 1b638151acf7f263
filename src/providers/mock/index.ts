import { setTimeout as delay } from "node:timers/promises";
import type { ErrorKind } from "../../core/errors/error-kind.js";
import { GatewayError } from "../../core/errors/gateway-error.js";
import type {
  ChatEvent,
  ChatRequest,
  ChatResponse,
  FinishReason,
  TokenLogprob,
  Usage,
} from "../../core/types/chat.js";
import type { LocalProviderAdapter, ProviderCallContext } from "../../core/types/provider.js";

/**
 * The mock provider answers inside the process, with behaviour chosen by the model name, for demos, tests and
 * load tests of everything but upstream I/O:
 * - `*echo*`: repeats the last user text;
 * - `*slow*` (e.g. `slow-stream`, `slow-stream-200`): streams ten words, one every N ms (default 50);
 * - `*tool*`: calls the first declared tool (or the one `tool_choice` names) with arguments built from its
 *   schema; once the conversation ends with a tool result, answers with text, as a real model does (so an
 *   SDK's tool loop, e.g. `runTools`, ends);
 * - `*reasoning*`: thinks (a reasoning delta with a signature) before answering;
 * - `error-<status>` (e.g. `error-429`, `error-500`): fails like a provider answering that status;
 * - `*midstream-error*`: streams the first word, then fails in-stream like an overloaded provider;
 * - anything else: a fixed reply.
 * Like a real model it answers under the name it was asked for, follows `response_format` (a JSON object, or an
 * instance of the JSON schema), honours `max_tokens`, and returns `logprobs` when asked.
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

/** A minimal instance of a JSON schema (the types a tool or response_format schema uses), bounded in depth. */
export function sampleOf(schema: unknown, depth = 0): unknown {
  if (typeof schema !== "object" || schema === null || depth > 8) return null;
  const node = schema as Record<string, unknown>;
  if (node["const"] !== undefined) return node["const"];
  if (Array.isArray(node["enum"]) && node["enum"].length > 0) return node["enum"][0];
  for (const combinator of ["anyOf", "oneOf", "allOf"]) {
    const options = node[combinator];
    if (Array.isArray(options) && options.length > 0) return sampleOf(options[0], depth + 1);
  }
  const type = Array.isArray(node["type"]) ? node["type"][0] : node["type"];
  switch (type) {
    case "string":
      return "mock";
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    case "null":
      return null;
    case "array":
      return node["items"] === undefined ? [] : [sampleOf(node["items"], depth + 1)];
    default: {
      const properties = node["properties"];
      const out: Record<string, unknown> = {};
      if (typeof properties === "object" && properties !== null) {
        for (const [name, property] of Object.entries(properties)) out[name] = sampleOf(property, depth + 1);
      }
      return out;
    }
  }
}

function toolResultText(request: ChatRequest): string | undefined {
  const last = request.messages[request.messages.length - 1];
  if (last?.role !== "tool") return undefined;
  if (typeof last.content === "string") return last.content;
  if (last.content === null) return "";
  return last.content.map((part) => (part.type === "text" ? part.text : "")).join("");
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
  const toolResult = toolResultText(request);
  const choice = request.toolChoice;
  const named = choice?.type === "function" ? choice.name : undefined;
  const tool =
    named !== undefined ? request.tools?.find((candidate) => candidate.name === named) : request.tools?.[0];
  const mayCall = choice?.type !== "none" && (toolResult === undefined || named !== undefined);
  if (toolResult !== undefined) base.text = `The tool returned: ${toolResult}`.trim();
  if (model.includes("tool") && tool !== undefined && mayCall) {
    base.text = "";
    base.toolCall = { name: tool.name, arguments: JSON.stringify(sampleOf(tool.parameters ?? {}) ?? {}) };
    base.finish = "tool_calls";
  } else if (request.responseFormat?.type === "json_object") {
    base.text = JSON.stringify({ answer: base.text });
  } else if (request.responseFormat?.type === "json_schema") {
    base.text = JSON.stringify(sampleOf(request.responseFormat.schema));
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

/** Log probabilities for text, one token per word, when the request asks for them. */
function logprobsOf(request: ChatRequest, text: string): TokenLogprob[] {
  const words = text.length === 0 ? [] : text.split(" ");
  return words.map((word, position) => tokenLogprob(request, position === 0 ? word : ` ${word}`));
}

function tokenLogprob(request: ChatRequest, token: string): TokenLogprob {
  const alternatives = Math.min(request.topLogprobs ?? 0, 20);
  return {
    token,
    logprob: -0.01,
    bytes: [...Buffer.from(token, "utf8")],
    topLogprobs: Array.from({ length: alternatives }, (_, rank) => ({
      token: rank === 0 ? token : `${token}${rank}`,
      logprob: rank === 0 ? -0.01 : -2 - rank,
      bytes: [...Buffer.from(rank === 0 ? token : `${token}${rank}`, "utf8")],
    })),
  };
}

let counter = 0;
function responseId(): string {
  counter = (counter + 1) % 1_000_000_000;
  return `chatcmpl-mock-${Date.now().toString(36)}${counter.toString(36)}`;
}

export const mockProvider: LocalProviderAdapter = {
  kind: "local",
  id: "mock",
  capabilities: ["streaming", "tools", "reasoning", "n", "json_object", "json_schema", "logprobs"],

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
      model: request.model,
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
        ...(request.logprobs === true ? { logprobs: { content: logprobsOf(request, p.text) } } : {}),
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
        model: request.model,
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
        const text = position === 0 ? word : ` ${word}`;
        yield request.logprobs === true
          ? [
              { type: "text-delta", choice, text },
              { type: "logprobs", choice, content: [tokenLogprob(request, text)] },
            ]
          : [{ type: "text-delta", choice, text }];
      }
      yield [{ type: "finish", choice, reason: p.finish, providerReason: p.finish }];
    }
    yield [{ type: "usage", usage: usageOf(request, p) }];
  },
};
