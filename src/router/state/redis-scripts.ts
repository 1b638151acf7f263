/**
 * The Lua scripts behind the Redis state store. Each decision that must hold across replicas (admission against
 * rpm/tpm/parallel limits, the failure count that trips a cooldown, the half-open probe) is one script, so it is one
 * round trip and atomic. Every key written gets a TTL, so state of removed deployments disappears on its own.
 *
 * Keys per deployment (prefix `P` = `<keyPrefix><deployment id>`):
 * - `P:st`  hash: `cool` (cooldown end, epoch ms), `half` (half-open end), `probe` (probe held until), `lat`, `ttft`
 * - `P:if`  sorted set of in-flight leases scored by their expiry (a dead replica's leases expire)
 * - `P:m:<minute>` hash: `r` requests and `t` tokens counted in that minute
 * - `P:f`   sorted set of failure times within the failure window
 */

/** KEYS: (st, if, m) × N. ARGV: now. Returns per deployment [cool, half, probe, lat, ttft, inflight, r, t]. */
export const SNAPSHOT_SCRIPT = `
local now = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS, 3 do
  local st = redis.call('HMGET', KEYS[i], 'cool', 'half', 'probe', 'lat', 'ttft')
  local inflight = redis.call('ZCOUNT', KEYS[i + 1], '(' .. now, '+inf')
  local m = redis.call('HMGET', KEYS[i + 2], 'r', 't')
  out[#out + 1] = {st[1] or '', st[2] or '', st[3] or '', st[4] or '', st[5] or '', tostring(inflight), m[1] or '', m[2] or ''}
end
return out
`;

/**
 * KEYS: st, if, m. ARGV: now, rpm, tpm, maxParallel (0 = none), tokens, leaseMs, probeMs, lease.
 * Returns {1, probe} when admitted, {0, why} when not.
 */
export const ADMIT_SCRIPT = `
local now = tonumber(ARGV[1])
local cool = tonumber(redis.call('HGET', KEYS[1], 'cool') or '0')
if cool > now then return {0, 'cooling'} end
local half = tonumber(redis.call('HGET', KEYS[1], 'half') or '0')
local probe = 0
if half > now then
  if tonumber(redis.call('HGET', KEYS[1], 'probe') or '0') > now then return {0, 'cooling'} end
  probe = 1
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local maxParallel = tonumber(ARGV[4])
if maxParallel > 0 and redis.call('ZCARD', KEYS[2]) >= maxParallel then return {0, 'parallel'} end
local m = redis.call('HMGET', KEYS[3], 'r', 't')
local requests = tonumber(m[1] or '0')
local tokens = tonumber(m[2] or '0')
local rpm = tonumber(ARGV[2])
local tpm = tonumber(ARGV[3])
local need = tonumber(ARGV[5])
if rpm > 0 and requests >= rpm then return {0, 'rpm'} end
if tpm > 0 and tokens > 0 and tokens + need > tpm then return {0, 'tpm'} end
redis.call('HINCRBY', KEYS[3], 'r', 1)
redis.call('HINCRBY', KEYS[3], 't', need)
redis.call('PEXPIRE', KEYS[3], 120000)
local leaseMs = tonumber(ARGV[6])
redis.call('ZADD', KEYS[2], now + leaseMs, ARGV[8])
if redis.call('PTTL', KEYS[2]) < leaseMs then redis.call('PEXPIRE', KEYS[2], leaseMs) end
if probe == 1 then redis.call('HSET', KEYS[1], 'probe', tostring(now + tonumber(ARGV[7]))) end
return {1, probe}
`;

/** KEYS: st, if, m. ARGV: lease, latencyMs|'', ttftMs|'', tokenCorrection, alpha, statsTtlMs. */
export const RELEASE_SCRIPT = `
redis.call('ZREM', KEYS[2], ARGV[1])
local alpha = tonumber(ARGV[5])
local function average(field, value)
  if value == '' then return end
  local sample = tonumber(value)
  local old = redis.call('HGET', KEYS[1], field)
  if old then sample = tonumber(old) + alpha * (sample - tonumber(old)) end
  redis.call('HSET', KEYS[1], field, tostring(sample))
end
average('lat', ARGV[2])
average('ttft', ARGV[3])
local correction = tonumber(ARGV[4])
if correction ~= 0 and redis.call('EXISTS', KEYS[3]) == 1 then
  local tokens = redis.call('HINCRBY', KEYS[3], 't', correction)
  if tokens < 0 then redis.call('HSET', KEYS[3], 't', 0) end
end
local ttl = tonumber(ARGV[6])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`;

/**
 * KEYS: st, f. ARGV: now, allowedFails, windowMs, cooldownMs, immediate (0/1), halfOpenTtlMs, member.
 * Returns 1 when this failure started a cooldown.
 */
export const FAILURE_SCRIPT = `
local now = tonumber(ARGV[1])
if tonumber(redis.call('HGET', KEYS[1], 'cool') or '0') > now then return 0 end
local trip = ARGV[5] == '1' or tonumber(redis.call('HGET', KEYS[1], 'half') or '0') > now
if not trip then
  local window = tonumber(ARGV[3])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
  redis.call('ZADD', KEYS[2], now, ARGV[7])
  redis.call('PEXPIRE', KEYS[2], window)
  trip = redis.call('ZCARD', KEYS[2]) > tonumber(ARGV[2])
end
if not trip then return 0 end
local cool = now + tonumber(ARGV[4])
local half = cool + tonumber(ARGV[6])
redis.call('HSET', KEYS[1], 'cool', tostring(cool), 'half', tostring(half), 'probe', '0')
redis.call('DEL', KEYS[2])
if redis.call('PTTL', KEYS[1]) < half - now then redis.call('PEXPIRE', KEYS[1], half - now) end
return 1
`;

/** KEYS: st. ARGV: now. A success after the cooldown closes the half-open state. */
export const SUCCESS_SCRIPT = `
local now = tonumber(ARGV[1])
if tonumber(redis.call('HGET', KEYS[1], 'cool') or '0') > now then return 0 end
redis.call('HDEL', KEYS[1], 'half', 'probe')
return 1
`;
