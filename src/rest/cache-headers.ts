import { type CacheInfo, mergeCacheDirectives, parseCacheHeader } from "../core/chat/response-cache.js";
import type { ChatRequest } from "../core/types/chat.js";
import { type HttpRequest, header } from "./http-io.js";

/** The request header carrying cache controls for clients that cannot add a `cache` body field. */
export const CACHE_REQUEST_HEADER = "x-switchboard-cache";

/** Adds the `x-switchboard-cache` header's directives to the request (the body's `cache` wins per directive). */
export function applyCacheHeader(request: ChatRequest, httpRequest: HttpRequest): void {
  const value = header(httpRequest, CACHE_REQUEST_HEADER);
  if (value === undefined) return;
  const merged = mergeCacheDirectives(request.cache, parseCacheHeader(value, CACHE_REQUEST_HEADER));
  if (merged !== undefined) request.cache = merged;
}

/** `x-litellm-cache-key` (LiteLLM's name) and `x-litellm-cache-hit`, when the cache applied to the request. */
export function cacheHeaders(info: CacheInfo | undefined): Record<string, string> {
  if (info === undefined) return {};
  return { "x-litellm-cache-key": info.key, "x-litellm-cache-hit": info.hit ? "true" : "false" };
}
