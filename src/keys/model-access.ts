/**
 * Grant arithmetic for model patterns on keys and teams: an exact name or alias ("gpt-4o", "smart"), a prefix
 * wildcard ("openai/*", "claude-*"), or "*". Key patterns allow '*' only at the end (checked on input), so
 * whether one grant contains another is decidable by prefixes. Matching a request against patterns is
 * core/chat/model-access.ts's job.
 */

/** True when every model the child pattern can match is also matched by the parent pattern. */
export function patternCovers(parent: string, child: string): boolean {
  if (parent === "*") return true;
  if (parent.endsWith("*")) return child.startsWith(parent.slice(0, -1));
  return parent === child;
}

/** True when the parent list grants everything the child list does (an empty list means "everything"). */
export function listCovers(parent: readonly string[], child: readonly string[]): boolean {
  if (parent.length === 0) return true;
  if (child.length === 0) return false;
  return child.every((pattern) => parent.some((candidate) => patternCovers(candidate, pattern)));
}
