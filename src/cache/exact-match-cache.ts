import type { ChatContext } from "../core/chat/dispatcher.js";
import type { RequestSurface } from "../core/chat/request-observer.js";
import type { CachedAnswer, CacheMode, CacheSession, ResponseCache } from "../core/chat/response-cache.js";
import type { ChatEvent, ChatRequest } from "../core/types/chat.js";
import type { RoutingInfo } from "../core/types/routing.js";
import { cacheKeyOf } from "./cache-key.js";
import type { CacheStore } from "./cache-store.js";

export interface ExactMatchCacheOptions {
  store: CacheStore;
  /** Seconds an answer is kept when the request sets no `ttl`. */
  ttlSeconds: number;
  /** `default_on`: every eligible request; `default_off`: only requests with `cache: {"use-cache": true}`. */
  mode: "default_on" | "default_off";
  /** Surfaces whose requests may be cached (from LiteLLM's `supported_call_types`). */
  surfaces: ReadonlySet<RequestSurface>;
  /** Whose entries a request may see: its key's (default), its team's, or everyone's. */
  scope: "key" | "team" | "shared";
  /** Cache requests with `temperature > 0` too (default false: their answers are meant to vary). */
  cacheNondeterministic: boolean;
  /** The largest serialized entry kept, bytes; a bigger answer is served but not stored. */
  maxEntryBytes: number;
  /** How long an identical request waits for one in flight before going upstream itself, ms. */
  coalesceWaitMs: number;
  /** Told of each lookup's result (metrics); must not throw. */
  onResult?: (result: CacheResult, surface: RequestSurface, savedCostUsd: number | undefined) => void;
}

/** `coalesced`: served the answer of an identical request that was in flight. */
export type CacheResult = "hit" | "coalesced" | "miss";

/** One request in flight per key: identical requests wait on it instead of going upstream. */
interface Flight {
  /** The serialized entry when the leader filled one; undefined when it failed or stored nothing. */
  readonly done: Promise<string | undefined>;
  resolve(value: string | undefined): void;
}

interface Envelope {
  v: 1;
  /** Epoch ms when the answer was stored (for `s-maxage`). */
  at: number;
  a: CachedAnswer;
}

/**
 * The exact-match response cache (the core's ResponseCache port): a canonical key per request (cache-key.ts),
 * namespaced per tenant; a store (memory or Redis); and request coalescing — while a request is in flight, an
 * identical one waits for its answer instead of calling the upstream again (bounded by `coalesceWaitMs` and the
 * caller's own abort; if the first fails, each waiter goes upstream itself). Errors, streams cut short and
 * answers over `maxEntryBytes` are never stored.
 */
export class ExactMatchCache implements ResponseCache {
  private readonly flights = new Map<string, Flight>();

  constructor(private readonly options: ExactMatchCacheOptions) {}

  async open(request: ChatRequest, context: ChatContext, mode: CacheMode): Promise<CacheSession | undefined> {
    const options = this.options;
    const directives = request.cache ?? {};
    const surface = context.surface ?? "other";
    if (!options.surfaces.has(surface)) return undefined;
    if (options.mode === "default_off" && directives.useCache !== true) return undefined;
    if (directives.useCache === false) return undefined;
    if (!options.cacheNondeterministic && request.temperature !== undefined && request.temperature > 0)
      return undefined;
    if (directives.noCache === true && directives.noStore === true) return undefined;
    const key = cacheKeyOf(request, {
      tenant: this.tenantOf(context),
      namespace: directives.namespace,
      mode,
      resolved: context.resolved,
    });
    const ttlMs = (directives.ttlSeconds ?? options.ttlSeconds) * 1000;
    const store = directives.noStore !== true;
    if (directives.noCache !== true) {
      const found = this.parse(await options.store.get(key), mode, directives.maxAgeSeconds);
      if (found !== undefined) {
        options.onResult?.("hit", surface, found.costUsd);
        return new Session(this, key, found, undefined, store, ttlMs);
      }
      const flight = this.flights.get(key);
      if (flight !== undefined) {
        const value = await waitFor(flight.done, options.coalesceWaitMs, context.signal);
        const shared = this.parse(value, mode, undefined);
        if (shared !== undefined) {
          options.onResult?.("coalesced", surface, shared.costUsd);
          return new Session(this, key, shared, undefined, store, ttlMs);
        }
        // The request in flight failed, stored nothing or took too long: go upstream without leading anyone.
        options.onResult?.("miss", surface, undefined);
        return new Session(this, key, undefined, undefined, store, ttlMs);
      }
    }
    options.onResult?.("miss", surface, undefined);
    let lead: Flight | undefined;
    if (directives.noCache !== true && !this.flights.has(key)) {
      lead = flight();
      this.flights.set(key, lead);
    }
    return new Session(this, key, undefined, lead, store, ttlMs);
  }

  /** Stores a serialized entry (if it fits) and wakes the waiters; the flight ends once the store has it. */
  commit(key: string, serialized: string, store: boolean, ttlMs: number, lead: Flight | undefined): void {
    const fits = Buffer.byteLength(serialized, "utf8") <= this.options.maxEntryBytes;
    lead?.resolve(fits ? serialized : undefined);
    if (!fits || !store) {
      this.endFlight(key, lead);
      return;
    }
    void this.options.store.set(key, serialized, ttlMs).finally(() => this.endFlight(key, lead));
  }

  endFlight(key: string, lead: Flight | undefined): void {
    if (lead === undefined) return;
    lead.resolve(undefined);
    if (this.flights.get(key) === lead) this.flights.delete(key);
  }

  get maxEntryBytes(): number {
    return this.options.maxEntryBytes;
  }

  /** Requests in flight that others may wait on (tests). */
  get inFlight(): number {
    return this.flights.size;
  }

  private tenantOf(context: ChatContext): string {
    const { principal } = context;
    if (this.options.scope === "shared") return "shared";
    if (this.options.scope === "team" && principal.teamId !== undefined) return `team:${principal.teamId}`;
    return `key:${principal.keyId}`;
  }

  /** A stored entry of the right mode (and young enough for `s-maxage`) as fresh objects, or undefined. */
  private parse(
    value: string | undefined,
    mode: CacheMode,
    maxAgeSeconds: number | undefined,
  ): CachedAnswer | undefined {
    if (value === undefined) return undefined;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(value) as Envelope;
    } catch {
      return undefined;
    }
    if (envelope?.v !== 1 || envelope.a?.mode !== mode) return undefined;
    if (maxAgeSeconds !== undefined && Date.now() - envelope.at > maxAgeSeconds * 1000) return undefined;
    const answer = envelope.a;
    if (answer.costUsd === null) answer.costUsd = undefined;
    return answer;
  }
}

function flight(): Flight {
  let resolve: (value: string | undefined) => void = () => undefined;
  const done = new Promise<string | undefined>((settle) => {
    resolve = settle;
  });
  return { done, resolve };
}

/** The flight's answer, or undefined after `ms` or when the caller goes away. */
function waitFor(
  done: Promise<string | undefined>,
  ms: number,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const finish = (value: string | undefined) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    };
    const onAbort = () => finish(undefined);
    const timer = setTimeout(() => finish(undefined), ms);
    signal.addEventListener("abort", onAbort, { once: true });
    done.then(finish, () => finish(undefined));
  });
}

/** One request's view of the cache (see the CacheSession port). */
class Session implements CacheSession {
  private recorded: string[] | undefined = [];
  private recordedBytes = 0;
  private closed = false;

  constructor(
    private readonly cache: ExactMatchCache,
    readonly key: string,
    readonly hit: CachedAnswer | undefined,
    private readonly lead: Flight | undefined,
    private readonly store: boolean,
    private readonly ttlMs: number,
  ) {}

  fill(answer: CachedAnswer): void {
    if (this.closed || this.hit !== undefined) return;
    this.commit(JSON.stringify(answer));
  }

  record(batch: ChatEvent[]): void {
    if (this.recorded === undefined || this.hit !== undefined) return;
    const text = JSON.stringify(batch);
    this.recordedBytes += text.length;
    // Past the bound the recording is dropped at once (a long stream is never held in memory).
    if (this.recordedBytes > this.cache.maxEntryBytes) this.recorded = undefined;
    else this.recorded.push(text);
  }

  finishStream(routing: RoutingInfo, costUsd: number | undefined): void {
    if (this.closed || this.hit !== undefined || this.recorded === undefined) return;
    const batches = this.recorded.join(",");
    this.recorded = undefined;
    this.commit(
      `{"mode":"stream","routing":${JSON.stringify(routing)},"costUsd":${costUsd ?? null},"batches":[${batches}]}`,
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.recorded = undefined;
    this.cache.endFlight(this.key, this.lead);
  }

  private commit(answerJson: string): void {
    this.closed = true;
    this.cache.commit(
      this.key,
      `{"v":1,"at":${Date.now()},"a":${answerJson}}`,
      this.store,
      this.ttlMs,
      this.lead,
    );
  }
}
