import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatEvent } from "../../core/types/chat.js";
import type { StreamDecoder, UpstreamMessage } from "../../core/types/provider.js";
import { isPlainObject } from "../shared/provider-options.js";
import { parseUpstreamJson } from "../shared/upstream-json.js";
import {
  type GeminiCandidate,
  type GeminiPart,
  type GeminiPartialArg,
  type GeminiResponse,
  type GeminiUsage,
  geminiResponseSchema,
} from "./gemini-api.js";
import { errorBodyOf, geminiError } from "./gemini-error.js";
import { synthesizeToolCallId } from "./gemini-tool-call-id.js";
import { mapGeminiFinishReason } from "./map-gemini-finish-reason.js";
import { mapGeminiUsage } from "./map-gemini-usage.js";
import { createdOf } from "./parse-gemini-response.js";

interface CandidateState {
  toolCount: number;
  sawToolCall: boolean;
  finished: boolean;
  /** A call streamed with `willContinue` / `partialArgs` (Vertex streamed arguments), open until `functionCall: {}`. */
  open?: { index: number; args: Record<string, unknown> };
}

export interface GeminiDecoderOptions {
  provider: string;
  model: string;
  /** Candidates requested (`n`); usage is emitted once all of them finished. */
  candidates: number;
  now?: () => number;
}

/**
 * Decodes `streamGenerateContent?alt=sse`: every event is a whole GenerateContentResponse with cumulative
 * usage. Text and thought parts become deltas; whole function calls become start/delta/end at once; Vertex's
 * streamed arguments (`willContinue`, `partialArgs`, empty `functionCall` terminators) are assembled and the
 * arguments emitted when the call closes. Finish reasons come per candidate; usage follows the last finish.
 */
export class GeminiStreamDecoder implements StreamDecoder {
  private started = false;
  private usageSent = false;
  private usage: GeminiUsage | undefined;
  private readonly states = new Map<number, CandidateState>();
  private readonly now: () => number;

  constructor(private readonly options: GeminiDecoderOptions) {
    this.now = options.now ?? Date.now;
  }

  get done(): boolean {
    return this.finishedCount() >= this.options.candidates;
  }

  decode(message: UpstreamMessage): ChatEvent[] {
    const raw = parseUpstreamJson(message.data, this.options.provider);
    const out: ChatEvent[] = [];
    for (const item of Array.isArray(raw) ? raw : [raw]) this.decodeResponse(item, out);
    return out;
  }

  end(): ChatEvent[] {
    const out: ChatEvent[] = [];
    for (const [choice, state] of this.states) this.closeOpenCall(choice, state, out);
    if (!this.started || this.finishedCount() === 0) {
      throw new GatewayError("upstream_protocol", "The Gemini stream ended without a finish reason.", {
        provider: this.options.provider,
        reason: this.started ? "truncated_stream" : "empty_stream",
      });
    }
    // Candidates that never reported a finish reason after others did end as a plain stop.
    for (const [choice, state] of this.states) {
      if (!state.finished) {
        state.finished = true;
        out.push({ type: "finish", choice, reason: mapGeminiFinishReason(undefined, state.sawToolCall) });
      }
    }
    this.emitUsage(out);
    return out;
  }

  private decodeResponse(item: unknown, out: ChatEvent[]): void {
    const errorBody = errorBodyOf(item);
    if (errorBody !== undefined)
      throw geminiError(errorBody, errorBody.error.code ?? 200, this.options.provider);
    const parsed = geminiResponseSchema.safeParse(item);
    if (!parsed.success) return;
    const response: GeminiResponse = parsed.data;
    if (!this.started) {
      this.started = true;
      out.push({
        type: "response-start",
        id: response.responseId ?? `gemini-${synthesizeToolCallId().slice(5)}`,
        model: response.modelVersion ?? this.options.model,
        created: createdOf(response, this.now),
      });
    }
    if (response.usageMetadata !== undefined) this.usage = response.usageMetadata;
    const candidates = response.candidates ?? [];
    candidates.forEach((candidate, position) => {
      this.decodeCandidate(candidate, candidate.index ?? position, out);
    });
    const blockReason = response.promptFeedback?.blockReason;
    if (candidates.length === 0 && blockReason !== undefined) {
      const state = this.state(0);
      if (!state.finished) {
        state.finished = true;
        out.push({ type: "finish", choice: 0, reason: "content_filter", providerReason: blockReason });
      }
      this.emitUsage(out);
      return;
    }
    if (this.finishedCount() >= this.options.candidates) this.emitUsage(out);
  }

  private decodeCandidate(candidate: GeminiCandidate, choice: number, out: ChatEvent[]): void {
    const state = this.state(choice);
    for (const part of candidate.content?.parts ?? []) this.decodePart(part, choice, state, out);
    if (candidate.finishReason !== undefined && !state.finished) {
      this.closeOpenCall(choice, state, out);
      state.finished = true;
      out.push({
        type: "finish",
        choice,
        reason: mapGeminiFinishReason(candidate.finishReason, state.sawToolCall),
        providerReason: candidate.finishReason,
      });
    }
  }

  private decodePart(part: GeminiPart, choice: number, state: CandidateState, out: ChatEvent[]): void {
    const call = part.functionCall;
    if (call !== undefined) {
      if (call.name !== undefined) {
        this.closeOpenCall(choice, state, out);
        const index = state.toolCount++;
        state.sawToolCall = true;
        out.push({
          type: "tool-call-start",
          choice,
          index,
          id: call.id ?? synthesizeToolCallId(),
          name: call.name,
          ...(part.thoughtSignature === undefined
            ? {}
            : { providerOptions: { thoughtSignature: part.thoughtSignature } }),
        });
        if (call.willContinue === true) {
          state.open = { index, args: { ...(call.args ?? {}) } };
          applyPartialArgs(state.open.args, call.partialArgs);
        } else {
          out.push({
            type: "tool-call-delta",
            choice,
            index,
            argumentsDelta: JSON.stringify(call.args ?? {}),
          });
          out.push({ type: "tool-call-end", choice, index });
        }
        return;
      }
      if (state.open !== undefined) {
        applyPartialArgs(state.open.args, call.partialArgs);
        if (call.willContinue !== true) this.closeOpenCall(choice, state, out);
      }
      return;
    }
    if (part.thought === true) {
      if (part.text !== undefined && part.text !== "")
        out.push({ type: "reasoning-delta", choice, text: part.text });
      if (part.thoughtSignature !== undefined)
        out.push({ type: "reasoning-delta", choice, signature: part.thoughtSignature });
      return;
    }
    if (part.text !== undefined && part.text !== "")
      out.push({ type: "text-delta", choice, text: part.text });
    if (part.thoughtSignature !== undefined)
      out.push({ type: "reasoning-delta", choice, signature: part.thoughtSignature });
  }

  private closeOpenCall(choice: number, state: CandidateState, out: ChatEvent[]): void {
    const open = state.open;
    if (open === undefined) return;
    state.open = undefined;
    out.push({
      type: "tool-call-delta",
      choice,
      index: open.index,
      argumentsDelta: JSON.stringify(open.args),
    });
    out.push({ type: "tool-call-end", choice, index: open.index });
  }

  private state(choice: number): CandidateState {
    let state = this.states.get(choice);
    if (state === undefined) {
      state = { toolCount: 0, sawToolCall: false, finished: false };
      this.states.set(choice, state);
    }
    return state;
  }

  private finishedCount(): number {
    let count = 0;
    for (const state of this.states.values()) if (state.finished) count++;
    return count;
  }

  private emitUsage(out: ChatEvent[]): void {
    if (this.usageSent || this.usage === undefined) return;
    this.usageSent = true;
    out.push({ type: "usage", usage: mapGeminiUsage(this.usage) });
  }
}

/**
 * Applies Vertex streamed-argument fragments: each names a JSON path (`$.a.b`, `$.list[0]`) and a value; a
 * string continues the string already there (the previous fragment said `willContinue`).
 */
export function applyPartialArgs(
  target: Record<string, unknown>,
  fragments: readonly GeminiPartialArg[] | undefined,
): void {
  for (const fragment of fragments ?? []) {
    const path = parseJsonPath(fragment.jsonPath);
    if (path === undefined || path.length === 0) continue;
    let value: unknown;
    if (fragment.stringValue !== undefined) value = fragment.stringValue;
    else if (fragment.numberValue !== undefined) value = fragment.numberValue;
    else if (fragment.boolValue !== undefined) value = fragment.boolValue;
    else if ("nullValue" in fragment) value = null;
    else continue;
    let container: Record<string, unknown> | unknown[] = target;
    for (let position = 0; position < path.length - 1; position++) {
      const key = path[position] as string | number;
      const nextIsIndex = typeof path[position + 1] === "number";
      const existing: unknown = (container as Record<string | number, unknown>)[key];
      if (isPlainObject(existing) || Array.isArray(existing)) {
        container = existing;
      } else {
        const created: Record<string, unknown> | unknown[] = nextIsIndex ? [] : {};
        (container as Record<string | number, unknown>)[key] = created;
        container = created;
      }
    }
    const last = path[path.length - 1] as string | number;
    const current: unknown = (container as Record<string | number, unknown>)[last];
    (container as Record<string | number, unknown>)[last] =
      typeof value === "string" && typeof current === "string" ? current + value : value;
  }
}

function parseJsonPath(path: string): (string | number)[] | undefined {
  if (!path.startsWith("$")) return undefined;
  const out: (string | number)[] = [];
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/gy;
  pattern.lastIndex = 1;
  while (pattern.lastIndex < path.length) {
    const match = pattern.exec(path);
    if (match === null) return undefined;
    if (match[1] !== undefined) out.push(match[1]);
    else if (match[2] !== undefined) out.push(Number(match[2]));
    else out.push(match[3] ?? match[4] ?? "");
  }
  return out;
}
