import { timingSafeEqual } from "node:crypto";
import { LRUCache } from "lru-cache";
import { type Authenticator, authenticationFailed, hashSecret } from "../auth/authenticator.js";
import type { Principal } from "../core/types/principal.js";
import { windowLimitsFromMetadata } from "../limits/limit-rules.js";
import type { InvalidationBus } from "./invalidation-bus.js";
import type { KeyStore } from "./key-store.js";
import { type Team, toPrincipalLimits, type VirtualKey } from "./key-types.js";

/** Anything longer fails like any other wrong key, after hashing a fixed empty string instead of megabytes. */
const MAX_TOKEN_LENGTH = 512;

export interface KeyAuthenticatorOptions {
  store: KeyStore;
  /** The master key (root admin); checked first, in constant time. */
  master?:
    | { isMasterKey(token: string): boolean; authenticate(token: string): Promise<Principal> }
    | undefined;
  /** Revoke / block / rotate / update notices from every replica. */
  bus?: InvalidationBus | undefined;
  /** How long a cached lookup is trusted while the bus is live. */
  ttlMs?: number;
  /** How long it is trusted while the bus is down (or absent with several replicas): the propagation bound. */
  degradedTtlMs?: number;
  maxEntries?: number;
  now?: () => Date;
}

interface FoundEntry {
  found: true;
  hash: Buffer;
  key: VirtualKey;
  team: Team | undefined;
  secretExpiresAt: Date | undefined;
  principal: Principal;
  cachedAt: number;
}

interface MissingEntry {
  found: false;
  cachedAt: number;
}

type Entry = FoundEntry | MissingEntry;

/**
 * Virtual keys by hash, with the master key as root admin. The hot path never waits on the database for a key
 * it has seen: lookups (hits and misses) are cached in an LRU for a short TTL, and invalidations from the bus
 * drop entries at once. State, expiry and rotation grace are checked on every call against the cached row, so
 * an expiry needs no notice. Every failure is the same GatewayError (one message, one status).
 */
export class KeyAuthenticator implements Authenticator {
  private readonly store: KeyStore;
  private readonly master: KeyAuthenticatorOptions["master"];
  private readonly bus: InvalidationBus | undefined;
  private readonly ttlMs: number;
  private readonly degradedTtlMs: number;
  private readonly now: () => Date;
  private readonly cache: LRUCache<string, Entry>;
  /** Misses live apart, so that a flood of wrong keys cannot evict the keys in use. */
  private readonly misses: LRUCache<string, MissingEntry>;
  private readonly inFlight = new Map<string, Promise<Entry>>();
  /** Bumped by every invalidation, so that a lookup that raced one is not cached. */
  private generation = 0;

  constructor(options: KeyAuthenticatorOptions) {
    this.store = options.store;
    this.master = options.master;
    this.bus = options.bus;
    this.ttlMs = options.ttlMs ?? 10_000;
    this.degradedTtlMs = options.degradedTtlMs ?? 1_000;
    this.now = options.now ?? (() => new Date());
    this.cache = new LRUCache<string, Entry>({ max: options.maxEntries ?? 10_000 });
    this.misses = new LRUCache<string, MissingEntry>({ max: options.maxEntries ?? 10_000 });
    this.bus?.subscribe((invalidation) => {
      if (invalidation.kind === "key") this.dropWhere((entry) => entry.key.keyId === invalidation.keyId);
      else this.dropWhere((entry) => entry.key.teamId === invalidation.teamId);
    });
  }

  async authenticate(token: string | undefined): Promise<Principal> {
    if (token === undefined || token.length === 0) throw authenticationFailed();
    if (this.master?.isMasterKey(token)) return this.master.authenticate(token);
    const hash = hashSecret(token.length > MAX_TOKEN_LENGTH ? "" : token);
    const entry = await this.lookup(hash);
    const now = this.now();
    if (!entry.found) throw authenticationFailed();
    // The row was found by this hash; compare anyway, in constant time, so no code path trusts a partial match.
    if (!timingSafeEqual(entry.hash, hash) || token.length > MAX_TOKEN_LENGTH) throw authenticationFailed();
    if (entry.key.storedState !== "active") throw authenticationFailed();
    if (entry.key.expiresAt !== undefined && entry.key.expiresAt.getTime() <= now.getTime()) {
      throw authenticationFailed();
    }
    if (entry.secretExpiresAt !== undefined && entry.secretExpiresAt.getTime() <= now.getTime()) {
      throw authenticationFailed();
    }
    return entry.principal;
  }

  /** Drops every cached entry (tests, and an operator's "flush"). */
  clear(): void {
    this.generation += 1;
    this.cache.clear();
    this.misses.clear();
  }

  private async lookup(hash: Buffer): Promise<Entry> {
    const hex = hash.toString("hex");
    const cached = this.cache.get(hex) ?? this.misses.get(hex);
    const ttl = this.bus === undefined || this.bus.isLive() ? this.ttlMs : this.degradedTtlMs;
    if (cached !== undefined && Date.now() - cached.cachedAt < ttl) return cached;
    const pending = this.inFlight.get(hex);
    if (pending !== undefined) return pending;
    const promise = this.load(hash, hex).finally(() => this.inFlight.delete(hex));
    this.inFlight.set(hex, promise);
    return promise;
  }

  private async load(hash: Buffer, hex: string): Promise<Entry> {
    const generation = this.generation;
    const found = await this.store.findKeyBySecretHash(hex, this.now());
    let entry: Entry;
    if (found === undefined) {
      entry = { found: false, cachedAt: Date.now() };
    } else {
      const team = found.key.teamId === undefined ? undefined : await this.store.getTeam(found.key.teamId);
      entry = {
        found: true,
        hash,
        key: found.key,
        team,
        secretExpiresAt: found.secretExpiresAt,
        principal: principalOf(found.key, team),
        cachedAt: Date.now(),
      };
    }
    if (generation === this.generation) {
      if (entry.found) this.cache.set(hex, entry);
      else this.misses.set(hex, entry);
    }
    return entry;
  }

  private dropWhere(matches: (entry: FoundEntry) => boolean): void {
    this.generation += 1;
    for (const [hex, entry] of this.cache.entries()) {
      if (entry.found && matches(entry)) this.cache.delete(hex);
    }
  }
}

/** What the rest of the gateway learns about a virtual key: never the secret, only its display form. */
export function principalOf(key: VirtualKey, team: Team | undefined): Principal {
  const principal: Principal = {
    keyId: key.keyId,
    role: key.role,
    display: key.displaySecret,
    limits: { ...toPrincipalLimits(key.limits), windows: windowLimitsFromMetadata(key.metadata) },
    tags: [...key.tags],
  };
  if (key.teamId !== undefined) principal.teamId = key.teamId;
  if (key.userId !== undefined) principal.userId = key.userId;
  if (key.models.length > 0) principal.allowedModels = [...key.models];
  const guardrails = guardrailsFromMetadata(key.metadata);
  if (guardrails.length > 0) principal.guardrails = guardrails;
  if (team !== undefined) {
    if (team.models.length > 0) principal.teamAllowedModels = [...team.models];
    const teamGuardrails = guardrailsFromMetadata(team.metadata);
    if (teamGuardrails.length > 0) principal.teamGuardrails = teamGuardrails;
    principal.teamLimits = {
      ...toPrincipalLimits(team.limits),
      windows: windowLimitsFromMetadata(team.metadata),
    };
  }
  return Object.freeze(principal);
}

/**
 * The guardrails a key or team enforces: `metadata.guardrails`, LiteLLM's place for them, as a list of names.
 * Anything that is not a list of strings enforces nothing here; key-manager refuses such metadata on write.
 */
export function guardrailsFromMetadata(metadata: Record<string, unknown>): string[] {
  const raw = metadata["guardrails"];
  if (!Array.isArray(raw)) return [];
  return raw.filter((name): name is string => typeof name === "string" && name.length > 0);
}
