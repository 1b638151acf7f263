import { invalidRequest } from "../errors/gateway-error.js";
import type { ChatEvent, ChatRequest, ChatResponse } from "../types/chat.js";
import type { RoutingInfo } from "../types/routing.js";
import type { ChatContext } from "./dispatcher.js";

/**
 * The response-cache port: how the core asks "has this exact request been answered already?" and hands over an
 * answer worth keeping. Implemented outside the core (src/cache: in-memory LRU or Redis, request coalescing) and
 * injected by app.ts. The core guarantees the protocol: `open` after admission (the request is validated and
 * resolved), then on a miss at most one `fill` with a complete, successful answer (never an error, never a stream
 * cut short), and exactly one `close` on every exit path. An implementation never throws from `open` for a store
 * failure: it answers a miss (or undefined) instead, so a cache outage never fails a request.
 */
export interface ResponseCache {
  /** Looks the request up; undefined when the request is not cacheable (call type, settings, per-request controls). */
  open(request: ChatRequest, context: ChatContext, mode: CacheMode): Promise<CacheSession | undefined>;
}

export type CacheMode = "complete" | "stream";

export interface CacheSession {
  /** The request's cache key (a hash: it carries nothing of the request), for the `x-litellm-cache-key` header. */
  readonly key: string;
  /** Set on a hit (a stored answer, or the answer of an identical request that was in flight). */
  readonly hit: CachedAnswer | undefined;
  /**
   * On a unary miss: the complete answer, to store (unless `no-store`) and to hand to identical requests waiting
   * on it. Copied before `fill` returns: the caller may change the objects afterwards.
   */
  fill(answer: CachedAnswer): void;
  /** On a stream miss: each batch exactly as the caller receives it (copied; recording stops past the size bound). */
  record(batch: ChatEvent[]): void;
  /** The recorded stream ended complete and without error: store it as a `stream` answer. */
  finishStream(routing: RoutingInfo, costUsd: number | undefined): void;
  /** Ends the session; identical requests still waiting on this one go upstream themselves if nothing was filled. */
  close(): void;
}

/** A stored answer: the unary response, or the stream's batches as the caller received them. */
export type CachedAnswer =
  | { mode: "complete"; response: ChatResponse; routing: RoutingInfo; costUsd: number | undefined }
  | { mode: "stream"; batches: ChatEvent[][]; routing: RoutingInfo; costUsd: number | undefined };

/** What the edges report about the cache (response headers); absent when the cache did not apply. */
export interface CacheInfo {
  hit: boolean;
  key: string;
}

/**
 * LiteLLM's per-request cache controls (`cache: {...}` in the body, or the `x-switchboard-cache` header with the
 * same names): `no-cache` skips the lookup, `no-store` skips storing, `ttl` (seconds) sets how long this answer is
 * kept, `s-maxage` (seconds) accepts only entries younger than that, `namespace` partitions the caller's own
 * entries, `use-cache` opts in when the gateway's cache mode is `default_off`.
 */
export interface CacheDirectives {
  noCache?: boolean;
  noStore?: boolean;
  ttlSeconds?: number;
  maxAgeSeconds?: number;
  namespace?: string;
  useCache?: boolean;
}

/** Longest `ttl` a request may ask for: 30 days. */
export const MAX_CACHE_TTL_SECONDS = 30 * 86_400;
const NAMESPACE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Checks and converts a `cache` object (body, or parsed from a header) into directives; `param` names the field
 * in errors. Unknown names are refused, so a typo never silently caches what the caller meant to keep out.
 */
export function parseCacheDirectives(value: unknown, param: string): CacheDirectives {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalidRequest(`'${param}' must be an object.`, param);
  const out: CacheDirectives = {};
  for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
    const field = `${param}.${name}`;
    switch (name) {
      case "no-cache":
      case "no-store":
      case "use-cache": {
        if (typeof item !== "boolean") throw invalidRequest(`'${field}' must be a boolean.`, field);
        if (name === "no-cache") out.noCache = item;
        else if (name === "no-store") out.noStore = item;
        else out.useCache = item;
        break;
      }
      case "ttl":
        out.ttlSeconds = seconds(item, field, 1);
        break;
      case "s-maxage":
      case "s-max-age":
        out.maxAgeSeconds = seconds(item, field, 0);
        break;
      case "namespace":
        if (typeof item !== "string" || !NAMESPACE.test(item))
          throw invalidRequest(`'${field}' must be 1-128 characters of A-Z a-z 0-9 . _ : -.`, field);
        out.namespace = item;
        break;
      default:
        throw invalidRequest(`Unrecognized field '${field}'.`, field);
    }
  }
  return out;
}

function seconds(value: unknown, field: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > MAX_CACHE_TTL_SECONDS)
    throw invalidRequest(
      `'${field}' must be an integer number of seconds (${min}-${MAX_CACHE_TTL_SECONDS}).`,
      field,
    );
  return value;
}

/**
 * The header form, for clients that cannot add body fields: `x-switchboard-cache: no-cache, ttl=300, namespace=a`
 * (Cache-Control syntax, the body's names). Directives given in the body win over the header's.
 */
export function parseCacheHeader(header: string | undefined, param = "x-switchboard-cache"): CacheDirectives {
  if (header === undefined || header.trim().length === 0) return {};
  if (header.length > 512) throw invalidRequest(`'${param}' is too long.`, param);
  const object: Record<string, unknown> = {};
  for (const part of header.split(",")) {
    const text = part.trim();
    if (text.length === 0) continue;
    const equals = text.indexOf("=");
    const name = (equals < 0 ? text : text.slice(0, equals)).trim().toLowerCase();
    const raw = equals < 0 ? undefined : text.slice(equals + 1).trim();
    if (name === "namespace") object[name] = raw;
    else if (name === "ttl" || name === "s-maxage" || name === "s-max-age")
      object[name] = raw !== undefined && /^\d{1,10}$/.test(raw) ? Number(raw) : raw;
    else object[name] = raw === undefined ? true : raw === "true" ? true : raw === "false" ? false : raw;
  }
  return parseCacheDirectives(object, param);
}

/** Body directives over header directives. */
export function mergeCacheDirectives(
  body: CacheDirectives | undefined,
  header: CacheDirectives,
): CacheDirectives | undefined {
  const merged = { ...header, ...(body ?? {}) };
  return Object.keys(merged).length === 0 ? undefined : merged;
}
