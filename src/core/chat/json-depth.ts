/**
 * The deepest nesting of objects and arrays we accept in any inbound JSON value (GUARDS 8). Deeper values are
 * refused with a 400 before any recursive walk of ours (schema converters, egress-field scans, JSON.stringify of
 * the upstream body) can overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The path (keys and indexes) to the first value nested deeper than `maxDepth` levels inside `value`, or
 * undefined when it is within the bound. Recursion stops at the bound, so this never recurses more than
 * `maxDepth` frames; the path is built only on the way out of a failure, nothing is allocated otherwise.
 */
export function findTooDeep(value: unknown, maxDepth = MAX_JSON_DEPTH): (string | number)[] | undefined {
  return walk(value, maxDepth);
}

function walk(value: unknown, remaining: number): (string | number)[] | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  if (remaining === 0) return [];
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const inner = value[index];
      if (typeof inner !== "object" || inner === null) continue;
      const path = walk(inner, remaining - 1);
      if (path !== undefined) {
        path.unshift(index);
        return path;
      }
    }
    return undefined;
  }
  for (const key in value) {
    const inner = (value as Record<string, unknown>)[key];
    if (typeof inner !== "object" || inner === null) continue;
    const path = walk(inner, remaining - 1);
    if (path !== undefined) {
      path.unshift(key);
      return path;
    }
  }
  return undefined;
}

/** `tools[0].function.parameters` from path segments, appended to `base`. */
export function joinPath(base: string, segments: readonly (string | number)[]): string {
  let out = base;
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out.length === 0 ? segment : `.${segment}`;
  }
  return out;
}
