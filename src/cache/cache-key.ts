import { createHash } from "node:crypto";
import type { ResolvedRequest } from "../core/catalog/resolved-request.js";
import type { CacheMode } from "../core/chat/response-cache.js";
import type { ChatRequest } from "../core/types/chat.js";

/** What a key is computed from besides the request itself. */
export interface CacheKeyScope {
  /** Whose entries these are: `key:<id>`, `team:<id>` or `shared` (cache_params.scope). */
  tenant: string;
  /** The caller's `cache.namespace`, partitioning the tenant's own entries. */
  namespace: string | undefined;
  mode: CacheMode;
  resolved: ResolvedRequest | undefined;
}

/**
 * The request fields that do not change the answer and so stay out of the key: the cache controls themselves,
 * whether a REST caller wants the usage chunk shown (the recording always has it), and the per-attempt timeout.
 */
const IGNORED_FIELDS: ReadonlySet<string> = new Set(["cache", "includeUsage"]);

/**
 * The exact-match key: SHA-256 over a canonical form (object keys sorted, bytes as base64, absent fields left out)
 * of everything that changes the answer — the tenant and namespace, unary or stream, the model as named and the
 * group it resolved to with every deployment's provider and model (a config change is a new key), the fallback
 * groups the caller may reach, messages, tools, tool choice, response format, every sampling parameter, `n`,
 * provider options and pass-through fields. Hex, 64 characters: it reveals nothing of the request.
 */
export function cacheKeyOf(request: ChatRequest, scope: CacheKeyScope): string {
  const hash = createHash("sha256");
  hash.update("v1\u0000");
  hash.update(canonical({ tenant: scope.tenant, namespace: scope.namespace ?? "", mode: scope.mode }));
  hash.update("\u0000");
  const resolved = scope.resolved;
  if (resolved !== undefined) {
    hash.update(canonical(groupShape(resolved.group)));
    for (const [name, group] of [...resolved.fallbacks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      hash.update(canonical({ fallback: name, group: groupShape(group) }));
  }
  hash.update("\u0000");
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request)) {
    if (IGNORED_FIELDS.has(name)) continue;
    if (name === "routing") {
      const routing = value as ChatRequest["routing"];
      if (routing?.fallbacks !== undefined) fields[name] = { fallbacks: routing.fallbacks };
      continue;
    }
    fields[name] = value;
  }
  hash.update(canonical(fields));
  return hash.digest("hex");
}

function groupShape(group: ResolvedRequest["group"]): unknown {
  return {
    name: group.name,
    deployments: group.deployments.map((deployment) => `${deployment.provider}/${deployment.model}`).sort(),
  };
}

/** JSON with object keys sorted at every depth; bytes as `{"$bytes": base64}`; undefined members left out. */
export function canonical(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : "null";
    case "object": {
      if (value instanceof Uint8Array)
        return `{"$bytes":${JSON.stringify(Buffer.from(value).toString("base64"))}}`;
      if (Array.isArray(value))
        return `[${value.map((item) => (item === undefined ? "null" : canonical(item))).join(",")}]`;
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const item = record[key];
        if (item === undefined) continue;
        parts.push(`${JSON.stringify(key)}:${canonical(item)}`);
      }
      return `{${parts.join(",")}}`;
    }
    default:
      return "null";
  }
}
