import type { ChatEvent } from "../core/types/chat.js";
import { applyMatches, scanText, type TextRule } from "./text-rules.js";

/**
 * Masking over a stream, chunk-boundary safe: per choice (text, refusal) and per tool call (arguments), text is
 * held back until it is at least `hold` characters behind the newest text, and a match that reaches the end of
 * what has arrived (it may still grow) is held whole. So a secret split across upstream chunks is seen whole
 * and masked (or blocks) before any of it is sent; held text is released at the choice's `finish`, the tool
 * call's end, or the end of the stream. Held text never exceeds `4 × hold` characters: beyond that, the oldest
 * part is released masked as it stands.
 */
export class StreamMasker {
  private readonly pending = new Map<string, string>();

  constructor(
    private readonly rules: readonly TextRule[],
    private readonly hold: number,
  ) {}

  push(batch: ChatEvent[]): ChatEvent[] {
    const out: ChatEvent[] = [];
    for (const event of batch) {
      switch (event.type) {
        case "text-delta":
        case "refusal-delta": {
          const text = this.take(`${event.type}:${event.choice}`, event.text, false);
          if (text.length > 0) out.push({ ...event, text });
          break;
        }
        case "tool-call-delta": {
          const text = this.take(`tool:${event.choice}:${event.index}`, event.argumentsDelta, false);
          if (text.length > 0) out.push({ ...event, argumentsDelta: text });
          break;
        }
        case "tool-call-end":
          this.flushTool(event.choice, event.index, out);
          out.push(event);
          break;
        case "finish":
          this.flushChoice(event.choice, out);
          out.push(event);
          break;
        default:
          out.push(event);
      }
    }
    return out;
  }

  /** Everything still held, masked, as events (the stream ended). */
  end(): ChatEvent[] {
    const out: ChatEvent[] = [];
    for (const key of [...this.pending.keys()]) this.flushKey(key, out);
    return out;
  }

  private flushChoice(choice: number, out: ChatEvent[]): void {
    for (const key of [...this.pending.keys()]) {
      const parts = key.split(":");
      if (Number(parts[1]) === choice) this.flushKey(key, out);
    }
  }

  private flushTool(choice: number, index: number, out: ChatEvent[]): void {
    this.flushKey(`tool:${choice}:${index}`, out);
  }

  private flushKey(key: string, out: ChatEvent[]): void {
    const text = this.take(key, "", true);
    if (text.length === 0) return;
    const [kind, choiceText, indexText] = key.split(":");
    const choice = Number(choiceText);
    if (kind === "tool")
      out.push({ type: "tool-call-delta", choice, index: Number(indexText), argumentsDelta: text });
    else if (kind === "refusal-delta") out.push({ type: "refusal-delta", choice, text });
    else out.push({ type: "text-delta", choice, text });
  }

  /** Adds text under a key and returns what may be sent now, masked (throws on a blocking match). */
  private take(key: string, text: string, final: boolean): string {
    const buffer = (this.pending.get(key) ?? "") + text;
    if (buffer.length === 0) return "";
    const matches = scanText(this.rules, buffer);
    if (matches.some((match) => match.rule.action === "block"))
      return applyMatches(buffer, matches, "answer");
    let cut = final ? buffer.length : Math.max(0, buffer.length - this.hold);
    if (!final) {
      for (const match of matches) {
        // A match across the cut, or one that ends where the text ends (it may still grow), is held whole.
        if ((match.start < cut && match.end > cut) || match.end === buffer.length)
          cut = Math.min(cut, match.start);
      }
      const limit = this.hold * 4;
      if (buffer.length - cut > limit) cut = buffer.length - limit;
    }
    if (cut <= 0) {
      this.pending.set(key, buffer);
      return "";
    }
    const sendable = matches.filter((match) => match.end <= cut);
    const straddling = matches.find((match) => match.start < cut && match.end > cut);
    let out = applyMatches(buffer.slice(0, cut), sendable, "answer");
    let rest = buffer.slice(cut);
    if (straddling !== undefined) {
      // Only when the held text outgrew its bound: the part of the match being released is masked too.
      out = `${out.slice(0, out.length - (cut - straddling.start))}<${straddling.rule.label}>`;
      rest = rest.slice(straddling.end - cut);
    }
    if (rest.length > 0) this.pending.set(key, rest);
    else this.pending.delete(key);
    return out;
  }
}
