import { Redis } from "ioredis";
import type { CounterState, LimitStore, ReserveRequest, ReserveResult, SettleItem } from "./limit-store.js";

/**
 * KEYS: per item, the counter hash and its lease zset. ARGV: ticket, now, lease expiry, then per item
 * limit, amount, expiresAt (-1: a day after now), slotsOnly (0/1), seed (-1: none), needsSeed (0/1).
 * Hash fields: u (used), r (reserved), s (seeded), t:<ticket> (that ticket's reservation).
 * Returns {1, used1, reserved1, …} admitted; {0, index, used, reserved} refused; {2, index…} seeds needed.
 */
const RESERVE = `
local ticket, now, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local n = #KEYS / 2
local missing = {}
for i = 1, n do
  local base = 3 + (i - 1) * 6
  if ARGV[base + 6] == '1' and ARGV[base + 5] == '-1' and redis.call('HEXISTS', KEYS[2*i-1], 's') == 0 then
    missing[#missing + 1] = i - 1
  end
end
if #missing > 0 then
  table.insert(missing, 1, 2)
  return missing
end
local states = {1}
for i = 1, n do
  local h, z = KEYS[2*i-1], KEYS[2*i]
  local base = 3 + (i - 1) * 6
  local limit, amount, slots = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), ARGV[base + 4]
  if redis.call('HEXISTS', h, 's') == 0 then
    local seed = tonumber(ARGV[base + 5])
    if seed < 0 then seed = 0 end
    redis.call('HSET', h, 'u', seed, 'r', 0, 's', 1)
  end
  local expired = redis.call('ZRANGEBYSCORE', z, '-inf', now)
  for _, t in ipairs(expired) do
    local held = tonumber(redis.call('HGET', h, 't:' .. t) or '0')
    redis.call('HINCRBY', h, 'r', 0 - held)
    redis.call('HDEL', h, 't:' .. t)
    redis.call('ZREM', z, t)
  end
  local used = tonumber(redis.call('HGET', h, 'u') or '0')
  local reserved = tonumber(redis.call('HGET', h, 'r') or '0')
  local current = reserved
  if slots == '0' then current = used + reserved end
  if current + amount > limit then
    return {0, i - 1, used, reserved}
  end
  states[#states + 1] = used
  states[#states + 1] = reserved
end
for i = 1, n do
  local h, z = KEYS[2*i-1], KEYS[2*i]
  local base = 3 + (i - 1) * 6
  local amount, expires = tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  redis.call('HINCRBY', h, 'r', amount)
  redis.call('HINCRBY', h, 't:' .. ticket, amount)
  redis.call('ZADD', z, lease, ticket)
  if expires < 0 then expires = now + 86400000 end
  if expires < lease then expires = lease end
  redis.call('PEXPIREAT', h, expires + 60000)
  redis.call('PEXPIREAT', z, expires + 60000)
end
return states
`;

/** KEYS: hash and zset per item. ARGV: ticket, then per item the actual amount. */
const SETTLE = `
local ticket = ARGV[1]
for i = 1, #KEYS / 2 do
  local h, z = KEYS[2*i-1], KEYS[2*i]
  local held = redis.call('HGET', h, 't:' .. ticket)
  if held then
    redis.call('HINCRBY', h, 'r', 0 - tonumber(held))
    redis.call('HDEL', h, 't:' .. ticket)
    redis.call('ZREM', z, ticket)
  end
  local actual = tonumber(ARGV[i + 1])
  if actual > 0 and redis.call('HEXISTS', h, 's') == 1 then redis.call('HINCRBY', h, 'u', actual) end
end
return 1
`;

/** KEYS: lease zsets. ARGV: ticket, new expiry. Only leases that still exist are extended. */
const RENEW = `
for i = 1, #KEYS do redis.call('ZADD', KEYS[i], 'XX', ARGV[2], ARGV[1]) end
return 1
`;

/** KEYS: lease zsets. ARGV: now. Counts leases not yet expired. */
const OUTSTANDING = `
local total = 0
for i = 1, #KEYS do total = total + redis.call('ZCOUNT', KEYS[i], '(' .. ARGV[1], '+inf') end
return total
`;

export interface RedisLimitStoreOptions {
  url: string;
  /** Every command fails after this long (GUARDS 11): a limit check never hangs. */
  commandTimeoutMs?: number;
  /** Key prefix (tests use one per run). */
  prefix?: string;
}

/**
 * Counters in Redis, shared by every replica: one Lua script per admission (check and reserve all counters of
 * the request, atomically), one per settlement. Outage policy: commands fail fast (commandTimeout, no offline
 * queue, no retries); the caller decides what a failure means (UsageSettings.redisFailurePolicy).
 */
export class RedisLimitStore implements LimitStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(options: RedisLimitStoreOptions) {
    this.prefix = options.prefix ?? "sb:lim:";
    this.redis = new Redis(options.url, {
      commandTimeout: options.commandTimeoutMs ?? 250,
      connectTimeout: 1_000,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: false,
      retryStrategy: (attempt) => Math.min(2_000, 100 * attempt),
    });
    this.redis.on("error", () => {});
    this.redis.defineCommand("sbReserve", { lua: RESERVE });
    this.redis.defineCommand("sbSettle", { lua: SETTLE });
    this.redis.defineCommand("sbRenew", { lua: RENEW });
    this.redis.defineCommand("sbOutstanding", { lua: OUTSTANDING });
  }

  /** Resolves when connected (or rejects after timeoutMs); limits work either way once Redis is back. */
  async ready(timeoutMs: number): Promise<void> {
    if (this.redis.status === "ready") return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.redis.off("ready", onReady);
        reject(new Error("redis not ready"));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.redis.once("ready", onReady);
    });
  }

  private keys(counter: string): [string, string] {
    const hash = `${this.prefix}${counter}`;
    return [hash, `${hash}:l`];
  }

  private call(name: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    const command = (this.redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name];
    if (command === undefined) throw new Error(`missing script ${name}`);
    return command.call(this.redis, keys.length, ...keys, ...args);
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    const keys: string[] = [];
    const args: (string | number)[] = [request.ticket, request.now, request.now + request.leaseMs];
    for (const item of request.items) {
      keys.push(...this.keys(item.counter));
      args.push(
        Math.floor(item.limit),
        Math.ceil(item.amount),
        item.expiresAt ?? -1,
        item.slotsOnly ? 1 : 0,
        item.seed === undefined ? -1 : Math.max(0, Math.round(item.seed)),
        item.needsSeed ? 1 : 0,
      );
    }
    const reply = (await this.call("sbReserve", keys, args)) as number[];
    const code = reply[0];
    if (code === 2) return { outcome: "needs_seed", indexes: reply.slice(1).map(Number) };
    if (code === 0) {
      return {
        outcome: "refused",
        index: Number(reply[1]),
        state: { used: Number(reply[2]), reserved: Number(reply[3]) },
      };
    }
    const state: CounterState[] = [];
    for (let index = 1; index + 1 < reply.length; index += 2) {
      state.push({ used: Number(reply[index]), reserved: Number(reply[index + 1]) });
    }
    return { outcome: "admitted", state };
  }

  async settle(ticket: string, items: readonly SettleItem[]): Promise<void> {
    if (items.length === 0) return;
    const keys: string[] = [];
    const args: (string | number)[] = [ticket];
    for (const item of items) {
      keys.push(...this.keys(item.counter));
      args.push(Math.max(0, Math.round(item.actual)));
    }
    await this.call("sbSettle", keys, args);
  }

  async renew(
    tickets: readonly { ticket: string; counters: readonly string[] }[],
    leaseMs: number,
  ): Promise<void> {
    if (tickets.length === 0) return;
    const expiresAt = Date.now() + leaseMs;
    const pipeline = this.redis.pipeline();
    for (const { ticket, counters } of tickets) {
      const keys = counters.map((counter) => this.keys(counter)[1]);
      (pipeline as unknown as Record<string, (...a: unknown[]) => unknown>)["sbRenew"]?.call(
        pipeline,
        keys.length,
        ...keys,
        ticket,
        expiresAt,
      );
    }
    await pipeline.exec();
  }

  async outstanding(counters: readonly string[]): Promise<number> {
    if (counters.length === 0) return 0;
    const keys = counters.map((counter) => this.keys(counter)[1]);
    return Number(await this.call("sbOutstanding", keys, [Date.now()]));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
