import type { Principal } from "../types/principal.js";

/** Matches a model name against a pattern with `*` wildcards (`anthropic/*`, `*`, `gpt-4o*`). */
export function matchesModelPattern(pattern: string, model: string): boolean {
  if (pattern === "*" || pattern === model) return true;
  const star = pattern.indexOf("*");
  if (star === -1) return false;
  if (pattern.indexOf("*", star + 1) === -1) {
    return (
      model.startsWith(pattern.slice(0, star)) &&
      model.endsWith(pattern.slice(star + 1)) &&
      model.length >= pattern.length - 1
    );
  }
  const expression = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`);
  return expression.test(model);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether the principal may call `model` (undefined allow-list: all models). */
export function mayUseModel(principal: Principal, model: string): boolean {
  const allowed = principal.allowedModels;
  if (allowed === undefined) return true;
  for (const pattern of allowed) if (matchesModelPattern(pattern, model)) return true;
  return false;
}
