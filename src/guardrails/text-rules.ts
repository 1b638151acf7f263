import type { GuardrailAction } from "../config/guardrail-config.js";
import { guardrailViolation } from "../core/chat/guardrail-port.js";

/** One span of text a rule matched, [start, end) in UTF-16 units. */
export interface TextMatch {
  start: number;
  end: number;
  rule: TextRule;
}

/**
 * A detector over text (an email finder, a banned-word list): what it is called in a mask (`<EMAIL_ADDRESS>`), in
 * an error ("an email address"), which guardrail it belongs to and what a match does. `find` must be linear or
 * bounded in the text's length (rules built from configuration scan in bounded windows).
 */
export interface TextRule {
  guardrail: string;
  label: string;
  description: string;
  action: GuardrailAction;
  find(text: string, out: TextMatch[]): void;
}

/** Every match of every rule, sorted, overlaps merged (a block wins over a mask in a merged span). */
export function scanText(rules: readonly TextRule[], text: string): TextMatch[] {
  if (text.length === 0) return [];
  const found: TextMatch[] = [];
  for (const rule of rules) rule.find(text, found);
  if (found.length <= 1) return found;
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: TextMatch[] = [];
  for (const match of found) {
    const last = merged[merged.length - 1];
    if (last !== undefined && match.start < last.end) {
      const rule = last.rule.action === "block" || match.rule.action !== "block" ? last.rule : match.rule;
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, match.end), rule };
      continue;
    }
    merged.push(match);
  }
  return merged;
}

/**
 * The text with every masked match replaced by its label; throws the violation of the first blocking match
 * (naming the guardrail and the kind of thing found, never the text). `where` says what the text was.
 */
export function applyMatches(text: string, matches: readonly TextMatch[], where: string): string {
  if (matches.length === 0) return text;
  let out = "";
  let at = 0;
  for (const match of matches) {
    if (match.rule.action === "block") {
      throw guardrailViolation(match.rule.guardrail, `the ${where} contains ${match.rule.description}`);
    }
    out += text.slice(at, match.start) + `<${match.rule.label}>`;
    at = match.end;
  }
  return out + text.slice(at);
}

/** Scans and masks in one step (or throws on a block). */
export function maskText(rules: readonly TextRule[], text: string, where: string): string {
  return applyMatches(text, scanText(rules, text), where);
}

/** Around a one-character anchor, how far before it a match may start, and how much text is searched. */
const ANCHOR_REACH = 80;
const ANCHOR_WINDOW = 400;

/**
 * A rule from a global regular expression with an optional validator (Luhn, mod-97, an address parser) that
 * can refuse a candidate by its text and surroundings.
 */
export function regexRule(
  base: Omit<TextRule, "find">,
  pattern: RegExp,
  accept?: (candidate: string, text: string, start: number) => boolean,
  /** A cheap test that must pass for the pattern to be run at all (a character or keyword every match holds). */
  prefilter?: string | RegExp,
): TextRule {
  if (!pattern.global) throw new Error("regexRule needs a global pattern");
  const rule: TextRule = {
    ...base,
    find(text, out) {
      if (
        prefilter !== undefined &&
        !(typeof prefilter === "string" ? text.includes(prefilter) : prefilter.test(text))
      )
        return;
      const anchor = typeof prefilter === "string" && prefilter.length === 1 ? prefilter : undefined;
      if (anchor !== undefined && text.length > ANCHOR_WINDOW) {
        // A one-character anchor (`@`): run the pattern only around each occurrence, not at every position.
        let searchedTo = 0;
        for (let at = text.indexOf(anchor); at !== -1; at = text.indexOf(anchor, at + 1)) {
          const from = Math.max(searchedTo, at - ANCHOR_REACH);
          const slice = text.slice(from, Math.min(text.length, at + ANCHOR_WINDOW));
          for (const match of slice.matchAll(pattern)) {
            const start = from + match.index;
            const candidate = match[0];
            if (candidate.length === 0 || start + candidate.length <= at - ANCHOR_REACH) continue;
            if (accept !== undefined && !accept(candidate, text, start)) continue;
            out.push({ start, end: start + candidate.length, rule });
            searchedTo = Math.max(searchedTo, start + candidate.length);
          }
          searchedTo = Math.max(searchedTo, from);
        }
        return;
      }
      for (const match of text.matchAll(pattern)) {
        const start = match.index;
        const candidate = match[0];
        if (candidate.length === 0) continue;
        if (accept !== undefined && !accept(candidate, text, start)) continue;
        out.push({ start, end: start + candidate.length, rule });
      }
    },
  };
  return rule;
}
