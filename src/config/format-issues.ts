import type { z } from "zod";
import type { KnownKeys } from "./schema.js";

/**
 * Turns zod issues into one line per problem, each starting with the path of the key at fault in the notation the
 * config file is written in (`model_list[0].litellm_params.api_bse: unknown key (did you mean 'api_base'?)`).
 * Issues never carry values (zod does not report inputs unless asked), so a line cannot leak a secret.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], known: KnownKeys): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const candidates = known.get(sectionName(issue.path)) ?? [];
      for (const key of issue.keys) {
        const suggestion = closest(key, candidates);
        const hint = suggestion === undefined ? "" : ` (did you mean '${suggestion}'?)`;
        lines.push(`${formatPath([...issue.path, key])}: unknown key${hint}`);
      }
    } else if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) {
      lines.push(`${formatPath(issue.path)}: required`);
    } else {
      lines.push(`${formatPath(issue.path)}: ${issue.message}`);
    }
  }
  return lines;
}

/** `["model_list", 0, "litellm_params"]` → `model_list[0].litellm_params`; the root is `(top level)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out === "" ? "(top level)" : out;
}

/** The key-table name of the object at `path`: indices become `[]`, the root is `top`. */
function sectionName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "top";
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += "[]";
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  // Map values with free keys (model_group_alias.<alias>) are registered under `.*`.
  const wildcard = out.replace(/\.[^.[\]]+$/, ".*");
  return out.startsWith("router_settings.model_group_alias.") ? wildcard : out;
}

/**
 * The known key closest to a misspelling, if it is close enough to be what was meant: within a small edit distance
 * (a transposition counts as one edit), or else the shortest key that contains it as a subsequence (a word left out,
 * as in `TimeoutRetries` for `TimeoutErrorRetries`).
 */
function closest(key: string, candidates: readonly string[]): string | undefined {
  const lowered = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(lowered, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(key.length / 3)));
  if (bestDistance <= limit) return best;
  if (key.length < 6) return undefined;
  const containing = candidates
    .filter((candidate) => isSubsequence(lowered, candidate.toLowerCase()))
    .sort((a, b) => a.length - b.length);
  return containing[0];
}

function isSubsequence(needle: string, haystack: string): boolean {
  let position = 0;
  for (const character of haystack) {
    if (character === needle[position]) position += 1;
    if (position === needle.length) return true;
  }
  return false;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i += 1) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j += 1) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(value);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}
