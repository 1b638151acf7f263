import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatEvent } from "../../core/types/chat.js";
import type { StreamDecoder, UpstreamMessage } from "../../core/types/provider.js";
import { asArray, asNumber, asObject, asString } from "../shared/json.js";
import { parseUpstreamJson } from "../shared/upstream-json.js";
import { mapOpenAIFinishReason } from "./map-openai-finish-reason.js";
import { parseOpenAIError } from "./openai-error.js";
import { parseOpenAILogprobs, parseOpenAIUsage } from "./parse-openai-response.js";

interface ChoiceState {
  /** Upstream tool-call index (or id) → our 0-based index, in order of appearance. */
  toolIndexes: Map<string, number>;
  openTools: Set<number>;
  /** Calls that have received argument text; a call that closes without any gets "{}". */
  withArguments: Set<number>;
  lastTool: number;
}

/**
 * Decodes Chat Completions chunks. Tolerates the compatible hosts' quirks: tool-call indexes that start at 1 or
 * are missing (Mistral: each new id is a new call), calls without ids (synthesised), `reasoning_content` or
 * `reasoning` deltas (DeepSeek, vLLM, OpenRouter), usage under `x_groq`.
 */
export class OpenAIStreamDecoder implements StreamDecoder {
  private started = false;
  private finished = false;
  private readonly choices = new Map<number, ChoiceState>();
  done = false;

  constructor(private readonly provider: string) {}

  decode(message: UpstreamMessage): ChatEvent[] {
    const data = message.data;
    if (data === "[DONE]") {
      this.done = true;
      return [];
    }
    const chunk = asObject(parseUpstreamJson(data, this.provider));
    if (chunk === undefined) return [];
    if (chunk["error"] !== undefined) {
      throw parseOpenAIError(this.provider, 500, JSON.stringify({ error: chunk["error"] }), {});
    }
    const events: ChatEvent[] = [];
    if (!this.started) {
      this.started = true;
      events.push({
        type: "response-start",
        id: asString(chunk["id"]) ?? "",
        model: asString(chunk["model"]) ?? "",
        created: asNumber(chunk["created"]) ?? Math.floor(Date.now() / 1000),
        ...(chunk["system_fingerprint"] !== undefined
          ? { systemFingerprint: asString(chunk["system_fingerprint"]) ?? null }
          : {}),
        ...(chunk["service_tier"] !== undefined
          ? { serviceTier: asString(chunk["service_tier"]) ?? null }
          : {}),
      });
    }
    const choices = asArray(chunk["choices"]);
    if (choices !== undefined) {
      for (const item of choices) {
        const choice = asObject(item);
        if (choice !== undefined) this.decodeChoice(choice, events);
      }
    }
    const usage = parseOpenAIUsage(chunk["usage"]) ?? parseOpenAIUsage(asObject(chunk["x_groq"])?.["usage"]);
    if (usage !== undefined) events.push({ type: "usage", usage });
    return events;
  }

  private decodeChoice(choice: Record<string, unknown>, events: ChatEvent[]): void {
    const index = asNumber(choice["index"]) ?? 0;
    const delta = asObject(choice["delta"]);
    if (delta !== undefined) {
      const reasoning = asString(delta["reasoning_content"]) ?? asString(delta["reasoning"]);
      if (reasoning !== undefined && reasoning.length > 0) {
        events.push({ type: "reasoning-delta", choice: index, text: reasoning });
      }
      const content = asString(delta["content"]);
      if (content !== undefined) events.push({ type: "text-delta", choice: index, text: content });
      const refusal = asString(delta["refusal"]);
      if (refusal !== undefined && refusal.length > 0)
        events.push({ type: "refusal-delta", choice: index, text: refusal });
      const toolCalls = asArray(delta["tool_calls"]);
      if (toolCalls !== undefined) this.decodeToolCalls(index, toolCalls, events);
    }
    const logprobs = choice["logprobs"];
    if (logprobs !== undefined && logprobs !== null) {
      const parsed = parseOpenAILogprobs(logprobs);
      if (parsed)
        events.push({ type: "logprobs", choice: index, content: parsed.content, refusal: parsed.refusal });
    }
    const finish = asString(choice["finish_reason"]);
    if (finish !== undefined) {
      const state = this.choices.get(index);
      if (state !== undefined) {
        for (const tool of state.openTools) {
          if (!state.withArguments.has(tool)) {
            events.push({ type: "tool-call-delta", choice: index, index: tool, argumentsDelta: "{}" });
          }
          events.push({ type: "tool-call-end", choice: index, index: tool });
        }
        state.openTools.clear();
      }
      events.push({
        type: "finish",
        choice: index,
        reason: mapOpenAIFinishReason(finish),
        providerReason: finish,
      });
      this.finished = true;
    }
  }

  private decodeToolCalls(choiceIndex: number, calls: unknown[], events: ChatEvent[]): void {
    let state = this.choices.get(choiceIndex);
    if (state === undefined) {
      state = { toolIndexes: new Map(), openTools: new Set(), withArguments: new Set(), lastTool: -1 };
      this.choices.set(choiceIndex, state);
    }
    for (const item of calls) {
      const call = asObject(item);
      if (call === undefined) continue;
      const fn = asObject(call["function"]);
      const upstreamIndex = asNumber(call["index"]);
      const id = asString(call["id"]);
      const name = asString(fn?.["name"]);
      const key = upstreamIndex !== undefined ? `i${upstreamIndex}` : id !== undefined ? `d${id}` : undefined;
      let ours = key === undefined ? state.lastTool : state.toolIndexes.get(key);
      if (ours === undefined || ours < 0) {
        ours = state.toolIndexes.size;
        if (key !== undefined) state.toolIndexes.set(key, ours);
        state.openTools.add(ours);
        events.push({
          type: "tool-call-start",
          choice: choiceIndex,
          index: ours,
          id:
            id !== undefined && id.length > 0 ? id : `call_${choiceIndex}_${ours}_${Date.now().toString(36)}`,
          name: name ?? "",
        });
      }
      state.lastTool = ours;
      const args = asString(fn?.["arguments"]);
      if (args !== undefined && args.length > 0) {
        state.withArguments.add(ours);
        events.push({ type: "tool-call-delta", choice: choiceIndex, index: ours, argumentsDelta: args });
      }
    }
  }

  end(): ChatEvent[] {
    if (!this.done && !this.finished) {
      throw new GatewayError("connection_error", `Provider '${this.provider}' ended the stream early.`, {
        provider: this.provider,
        reason: "stream_truncated",
      });
    }
    return [];
  }
}
