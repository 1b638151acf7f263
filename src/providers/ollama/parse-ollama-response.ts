import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatResponse, ToolCall, Usage } from "../../core/types/chat.js";
import type { ProviderCallContext } from "../../core/types/provider.js";
import { mapOllamaFinishReason } from "./map-ollama-finish-reason.js";
import { type OllamaChunk, ollamaChunkSchema } from "./ollama-api.js";
import { ollamaStreamError } from "./ollama-error.js";

/** Ollama counts: `prompt_eval_count` → prompt, `eval_count` → completion (absent when the prompt was cached). */
export function toOllamaUsage(chunk: OllamaChunk): Usage {
  const promptTokens = chunk.prompt_eval_count ?? 0;
  const completionTokens = chunk.eval_count ?? 0;
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

/**
 * Ollama gives tool calls no id; we synthesise one per call from the request id, unique within the response, so
 * that the client can answer it (and convert-to-ollama-request maps it back to the tool's name).
 */
export function synthesiseToolCallId(requestId: string, index: number): string {
  return `call_${requestId.replace(/[^A-Za-z0-9_-]/g, "")}_${index}`;
}

export function ollamaArguments(value: unknown): string {
  if (typeof value === "string") return value.trim() === "" ? "{}" : value;
  return JSON.stringify(value ?? {});
}

export function parseOllamaChunk(value: unknown): OllamaChunk {
  const parsed = ollamaChunkSchema.safeParse(value);
  if (!parsed.success) {
    throw new GatewayError("upstream_protocol", "Ollama returned a response the gateway cannot read.", {
      provider: "ollama",
      reason: "invalid_response",
    });
  }
  if (parsed.data.error !== undefined && parsed.data.error !== null) {
    throw ollamaStreamError(
      typeof parsed.data.error === "string" ? parsed.data.error : JSON.stringify(parsed.data.error),
    );
  }
  return parsed.data;
}

export function parseOllamaResponse(body: unknown, context: ProviderCallContext): ChatResponse {
  const chunk = parseOllamaChunk(body);
  const toolCalls: ToolCall[] = (chunk.message?.tool_calls ?? []).map((call, index) => ({
    id: call.id || synthesiseToolCallId(context.requestId, index),
    name: call.function.name,
    arguments: ollamaArguments(call.function.arguments),
  }));
  const content = chunk.message?.content ?? "";
  const thinking = chunk.message?.thinking;
  const reason = chunk.done_reason ?? undefined;
  return {
    id: `chatcmpl-${context.requestId}`,
    model: chunk.model ?? context.deployment.model,
    created: chunk.created_at
      ? Math.floor(Date.parse(chunk.created_at) / 1000) || nowSeconds()
      : nowSeconds(),
    choices: [
      {
        index: 0,
        message: {
          content: content === "" && toolCalls.length > 0 ? null : content,
          ...(toolCalls.length > 0 ? { toolCalls } : {}),
          ...(thinking ? { reasoning: [{ text: thinking }] } : {}),
        },
        finishReason: mapOllamaFinishReason(reason, toolCalls.length > 0),
        ...(reason === undefined ? {} : { providerFinishReason: reason }),
      },
    ],
    usage: toOllamaUsage(chunk),
  };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
