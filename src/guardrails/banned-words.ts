import type { GuardrailConfig } from "../config/guardrail-config.js";
import type { TextMatch, TextRule } from "./text-rules.js";

/**
 * Banned words and patterns. Words are literals (escaped, whole words, case-insensitive); patterns come from the
 * config and were checked at startup for unbounded backtracking (config/guardrail-config.ts). Either way a text
 * is scanned in windows of at most WINDOW characters, overlapping by OVERLAP, so the cost of one scan is bounded
 * per character whatever a pattern does: a match longer than OVERLAP that straddles two windows may be missed,
 * which the docs state.
 */
const WINDOW = 16_384;
const OVERLAP = 1_024;

function escapeLiteral(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function bannedWordRules(config: GuardrailConfig): TextRule[] {
  const base = { guardrail: config.name, label: "BANNED", action: config.action };
  const rules: TextRule[] = [];
  if (config.bannedWords.length > 0) {
    const words = [...config.bannedWords].sort((a, b) => b.length - a.length).map(escapeLiteral);
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${words.join("|")})(?![\\p{L}\\p{N}_])`, "giu");
    rules.push(windowedRule({ ...base, description: "a banned word" }, pattern));
  }
  for (const source of config.bannedPatterns) {
    rules.push(windowedRule({ ...base, description: "a banned pattern" }, new RegExp(source, "giu")));
  }
  return rules;
}

function windowedRule(base: Omit<TextRule, "find">, pattern: RegExp): TextRule {
  const rule: TextRule = {
    ...base,
    find(text: string, out: TextMatch[]) {
      let coveredTo = 0;
      for (let from = 0; from < text.length; from += WINDOW - OVERLAP) {
        const window = text.slice(from, from + WINDOW);
        for (const match of window.matchAll(pattern)) {
          if (match[0].length === 0) continue;
          const start = from + match.index;
          if (start < coveredTo) continue;
          out.push({ start, end: start + match[0].length, rule });
          coveredTo = start + match[0].length;
        }
        if (from + WINDOW >= text.length) break;
      }
    },
  };
  return rule;
}
