import type { Principal } from "../core/types/principal.js";

/**
 * Model patterns on keys and teams: an exact name or alias ("gpt-4o", "smart"), a prefix wildcard
 * ("openai/*", "claude-*"), or "*" for everything. Matching is case-sensitive, as model names are.
 */
export function patternMatches(pattern: string, model: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith("*")) return model.startsWith(pattern.slice(0, -1));
  return pattern === model;
}

/** True when some pattern in the list matches; an empty or absent list allows everything. */
export function listAllows(patterns: readonly string[] | undefined, model: string): boolean {
  if (patterns === undefined || patterns.length === 0) return true;
  return patterns.some((pattern) => patternMatches(pattern, model));
}

/**
 * True when every model a child pattern can match is also matched by the parent pattern: "openai/gpt-*" is
 * covered by "openai/*", "*" only by "*".
 */
export function patternCovers(parent: string, child: string): boolean {
  if (parent === "*") return true;
  if (parent.endsWith("*")) {
    const prefix = parent.slice(0, -1);
    return child.startsWith(prefix);
  }
  return parent === child;
}

/** True when the parent list grants everything the child list does (empty lists mean "everything"). */
export function listCovers(parent: readonly string[], child: readonly string[]): boolean {
  if (parent.length === 0) return true;
  if (child.length === 0) return false;
  return child.every((pattern) => parent.some((candidate) => patternCovers(candidate, pattern)));
}

/**
 * Whether a principal may call a model. `aliasesOf` names other names the same model answers to (the router's
 * alias → model mapping), so a key granted "gpt-4o" may call it through an alias and a key granted an alias may
 * call it by the alias. Both the key's list and its team's list must allow it.
 */
export function principalMayUseModel(
  principal: Pick<Principal, "allowedModels" | "teamAllowedModels">,
  model: string,
  aliasesOf: (model: string) => readonly string[] = () => [],
): boolean {
  const names = [model, ...aliasesOf(model)];
  const allowedBy = (patterns: readonly string[] | undefined) =>
    names.some((name) => listAllows(patterns, name));
  return allowedBy(principal.allowedModels) && allowedBy(principal.teamAllowedModels);
}
