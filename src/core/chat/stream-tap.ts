import type { ChatEvent, FinishReason, Usage } from "../types/chat.js";

/**
 * The one pass over a stream's batches in the core: it learns, in a single scan of each batch, everything the
 * gateway needs at the end — which choices finished, the usage the provider reported (held back, sent once,
 * last), when the first token came, and how many UTF-8 bytes were generated (a running count for an estimate when
 * the provider reports nothing). It never keeps generated text: its state is a few numbers, whatever the stream's
 * length.
 */
export class StreamTap {
  /** Usage the provider reported so far (running totals merged), or undefined. */
  usage: Usage | undefined;
  /** UTF-8 bytes of generated text, refusals, reasoning and tool calls (names and arguments). */
  generatedBytes = 0;
  /** performance.now() of the first batch that carried more than a response-start. */
  firstTokenAt: number | undefined;
  /** The model the provider named in its response-start, when it did. */
  responseModel: string | undefined;
  /** Each finish reason as it came (one per choice). */
  readonly finishReasons: FinishReason[] = [];
  private sawStart = false;
  private readonly finished = new Set<number>();

  /**
   * @param responseId the edge's id for the response (ChatContext.responseId): it replaces the upstream's id on
   *   `response-start`, so the id the caller sees is the one the ledger stores.
   */
  constructor(
    private readonly choices: number,
    private readonly responseId?: string,
  ) {}

  /**
   * Scans one batch and returns what goes downstream: the same batch (the common case, no copy) or, when it
   * carried usage or no response-start had been seen yet, a new array without the usage and with a start.
   */
  observe(batch: ChatEvent[]): ChatEvent[] {
    let hasUsage = false;
    let content = false;
    for (const event of batch) {
      switch (event.type) {
        case "text-delta":
        case "refusal-delta":
          this.generatedBytes += Buffer.byteLength(event.text, "utf8");
          content = true;
          break;
        case "reasoning-delta":
          if (event.text !== undefined) this.generatedBytes += Buffer.byteLength(event.text, "utf8");
          content = true;
          break;
        case "tool-call-delta":
          this.generatedBytes += Buffer.byteLength(event.argumentsDelta, "utf8");
          content = true;
          break;
        case "tool-call-start":
          this.generatedBytes += Buffer.byteLength(event.name, "utf8");
          content = true;
          break;
        case "finish":
          this.finished.add(event.choice);
          this.finishReasons.push(event.reason);
          content = true;
          break;
        case "usage":
          this.usage = mergeUsage(this.usage, event.usage);
          hasUsage = true;
          break;
        case "response-start":
          this.sawStart = true;
          if (this.responseId !== undefined) event.id = this.responseId;
          if (event.model !== "") this.responseModel = event.model;
          break;
        default:
          content = true;
      }
    }
    if (content && this.firstTokenAt === undefined) this.firstTokenAt = performance.now();
    let out = batch;
    if (hasUsage) out = batch.filter((event) => event.type !== "usage");
    if (!this.sawStart) {
      this.sawStart = true;
      out = [
        {
          type: "response-start",
          id: this.responseId ?? "",
          model: "",
          created: Math.floor(Date.now() / 1000),
        },
        ...out,
      ];
    }
    return out;
  }

  /** The `finish` of every choice that never sent one (empty when all did). */
  missingFinishes(): ChatEvent[] {
    const tail: ChatEvent[] = [];
    for (let choice = 0; choice < this.choices; choice++) {
      if (!this.finished.has(choice)) {
        tail.push({ type: "finish", choice, reason: "stop" });
        this.finishReasons.push("stop");
      }
    }
    return tail;
  }
}

const COUNTS = [
  "promptTokens",
  "completionTokens",
  "totalTokens",
  "cachedPromptTokens",
  "cacheWriteTokens",
  "reasoningTokens",
  "audioPromptTokens",
  "audioCompletionTokens",
  "acceptedPredictionTokens",
  "rejectedPredictionTokens",
] as const;

/** Providers that report usage in several events report running totals: keep the largest of each count. */
export function mergeUsage(into: Usage | undefined, next: Usage): Usage {
  if (into === undefined) return { ...next };
  const merged: Usage = { ...into };
  for (const key of COUNTS) {
    const value = next[key];
    if (value !== undefined) merged[key] = Math.max(merged[key] ?? 0, value);
  }
  if (next.costUsd !== undefined) merged.costUsd = next.costUsd;
  merged.totalTokens = Math.max(merged.totalTokens, merged.promptTokens + merged.completionTokens);
  return merged;
}
