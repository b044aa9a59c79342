// The Lua scripts of the Redis session store. Each declares every key it touches in KEYS, and all KEYS of
// one script share one hash tag (one Cluster slot). Times come from the Redis clock (TIME), so
// instances with skewed clocks agree on side-record expiry.
import { luaScript } from './lua-script.js';

const NOW_MS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * The record is one binary string: the version as 8 bytes big-endian, then the sealed data (see
 * redis-store.ts). Lua strings are binary-safe, so the scripts compare the prefix byte for byte.
 *
 * KEYS: rec, tomb. ARGV: record (version 1 + data), ttlMs. Returns 1 if created, 0 if a record or
 * tombstone exists.
 */
export const createScript = luaScript(`
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);

/**
 * KEYS: rec. ARGV: expected version (8 bytes), record (next version + data), ttlMs. The caller builds the
 * next version as expected + 1; the record is replaced only while its prefix is the expected version.
 * Returns 'ok' | 'conflict' | 'missing'.
 */
export const compareAndSetScript = luaScript(`
local v = redis.call('GETRANGE', KEYS[1], 0, 7)
if v == '' then return 'missing' end
if v ~= ARGV[1] then return 'conflict' end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 'ok'
`);

/** KEYS: rec, sides, tomb. ARGV: tombstoneMs. Returns 1 if a record was deleted. */
export const destroyScript = luaScript(`
local deleted = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[1])
return deleted
`);

/** KEYS: lock. ARGV: owner, ttlMs. Returns 1 if the owner held the lock and it was extended. */
export const renewLockScript = luaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/** KEYS: lock. ARGV: owner. Deletes the lock only if the owner holds it. */
export const releaseLockScript = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * KEYS: tomb, sides. ARGV: name, value, ttlMs. Field value is "<expiresAtMs>:<value>" (the value is
 * binary; the decimal expiry before the first ':' is what is parsed); the hash itself
 * lives as long as its longest-lived field. Expired fields are dropped here, because a hash that keeps
 * getting new names (one per refresh) would otherwise never expire. Ignored after destroy, so a late
 * writer cannot recreate side records.
 */
export const putSideScript = luaScript(`${NOW_MS}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local now = now_ms()
local fields = redis.call('HGETALL', KEYS[2])
for i = 1, #fields, 2 do
  local sep = string.find(fields[i + 1], ':', 1, true)
  if not sep or tonumber(string.sub(fields[i + 1], 1, sep - 1)) <= now then redis.call('HDEL', KEYS[2], fields[i]) end
end
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], string.format('%.0f', now + ttl) .. ':' .. ARGV[2])
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
`);

/**
 * KEYS: sides. ARGV: name. Returns the value (binary, so read as a Buffer), or nil if absent or past its
 * own expiry (read-only).
 */
export const getSideScript = luaScript(
  `${NOW_MS}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local sep = string.find(raw, ':', 1, true)
if not sep or tonumber(string.sub(raw, 1, sep - 1)) <= now_ms() then return false end
return string.sub(raw, sep + 1)
`,
  { binaryReply: true },
);

/**
 * KEYS: idx. ARGV: sid, expiresAtMs. Adds or re-scores the sid, prunes what has expired by the Redis
 * clock and keeps the key's own expiry at the highest score so an idle index disappears by itself.
 */
export const indexAddScript = luaScript(`${NOW_MS}
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms())
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if top[2] then redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', math.ceil(tonumber(top[2])))) end
return 1
`);

/** KEYS: idx. ARGV: nowMs. Prunes entries with score <= now, then returns the rest by ascending expiry. */
export const indexListScript = luaScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
`);
