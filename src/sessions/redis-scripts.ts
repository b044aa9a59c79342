// The Lua scripts of the Redis session store, as ioredis commands named `bffSession*`. Each declares every
// key it touches in KEYS, and all KEYS of one script share one hash tag (one Cluster slot). One clock, the
// Redis server's (TIME, or PX relative to it), decides every expiry, so instances with skewed clocks agree.
// Every number read from stored data goes through tonumber() and is checked for nil before use: a
// malformed field reads as expired, never as a script error (a 503) or a comparison with nil.
import { luaScript } from './lua-script.js';

const NOW_MS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

// A side field is "<expiresAtMs>:<value>": its expiry and separator, or nil when the field is malformed
// (no ':', not a number, or NaN/inf, which tonumber accepts and which compare false or never expire).
const SIDE_EXPIRY = `
local function side_expiry(raw)
  local sep = string.find(raw, ':', 1, true)
  if not sep then return nil end
  local expires = tonumber(string.sub(raw, 1, sep - 1))
  if not expires or expires ~= expires or expires == math.huge or expires == -math.huge then return nil end
  return expires, sep
end
`;

/**
 * The record is one binary string: the version as 8 bytes big-endian, then the sealed data (see
 * redis-store.ts). Lua strings are binary-safe, so the scripts compare the prefix byte for byte.
 *
 * KEYS: rec, tomb. ARGV: record (version 1 + data), ttlMs. Returns 1 if created, 0 if a record or
 * tombstone exists.
 */
export const createScript = luaScript(
  'bffSessionCreate',
  `
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`,
  { keys: 2 },
);

/**
 * KEYS: rec. ARGV: expected version (8 bytes), record (next version + data), ttlMs. The caller builds the
 * next version as expected + 1; the record is replaced only while its prefix is the expected version.
 * Returns 'ok' | 'conflict' | 'missing'.
 */
export const compareAndSetScript = luaScript(
  'bffSessionCompareAndSet',
  `
local v = redis.call('GETRANGE', KEYS[1], 0, 7)
if v == '' then return 'missing' end
if v ~= ARGV[1] then return 'conflict' end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 'ok'
`,
  { keys: 1 },
);

/** KEYS: rec, sides, tomb. ARGV: tombstoneMs. Returns 1 if a record was deleted. */
export const destroyScript = luaScript(
  'bffSessionDestroy',
  `
local deleted = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[1])
return deleted
`,
  { keys: 3 },
);

/** KEYS: lock. ARGV: owner, ttlMs. Returns 1 if the owner held the lock and it was extended. */
export const renewLockScript = luaScript(
  'bffSessionRenewLock',
  `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`,
  { keys: 1 },
);

/** KEYS: lock. ARGV: owner. Deletes the lock only if the owner holds it. */
export const releaseLockScript = luaScript(
  'bffSessionReleaseLock',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`,
  { keys: 1 },
);

/**
 * KEYS: tomb, sides. ARGV: name, value, ttlMs. Field value is "<expiresAtMs>:<value>" (the value is
 * binary; the decimal expiry before the first ':' is what is parsed); the hash itself lives as long as
 * its longest-lived field. Expired and malformed fields are dropped here, because a hash that keeps
 * getting new names (one per refresh) would otherwise never expire. Ignored after destroy, so a late
 * writer cannot recreate side records.
 */
export const putSideScript = luaScript(
  'bffSessionPutSide',
  `${NOW_MS}${SIDE_EXPIRY}
-- The adapter checks the TTL (args.ts); this guards the script against a caller that does not.
local ttl = tonumber(ARGV[3])
if not ttl or ttl ~= ttl or ttl <= 0 or ttl == math.huge then return redis.error_reply('ERR ttl must be a positive number') end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local now = now_ms()
local fields = redis.call('HGETALL', KEYS[2])
for i = 1, #fields, 2 do
  local expires = side_expiry(fields[i + 1])
  if not expires or expires <= now then redis.call('HDEL', KEYS[2], fields[i]) end
end
redis.call('HSET', KEYS[2], ARGV[1], string.format('%.0f', now + ttl) .. ':' .. ARGV[2])
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
`,
  { keys: 2 },
);

/**
 * KEYS: sides. ARGV: name. Returns the value (binary, so read as a Buffer), or nil if absent, malformed
 * or past its own expiry (read-only).
 */
export const getSideScript = luaScript(
  'bffSessionGetSide',
  `${NOW_MS}${SIDE_EXPIRY}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local expires, sep = side_expiry(raw)
if not expires or expires <= now_ms() then return false end
return string.sub(raw, sep + 1)
`,
  { keys: 1, binaryReply: true },
);

/**
 * KEYS: idx. ARGV: sid, expiresAtMs. Adds or re-scores the sid, prunes what has expired by the Redis
 * clock and keeps the key's own expiry at the highest score so an idle index disappears by itself.
 */
export const indexAddScript = luaScript(
  'bffSessionIndexAdd',
  `${NOW_MS}
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms())
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local highest = top[2] and tonumber(top[2])
if highest then redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', math.ceil(highest))) end
return 1
`,
  { keys: 1 },
);

/** KEYS: idx. Prunes entries with score <= now (Redis clock), then returns the rest by ascending expiry. */
export const indexListScript = luaScript(
  'bffSessionIndexList',
  `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms())
return redis.call('ZRANGE', KEYS[1], 0, -1)
`,
  { keys: 1 },
);

/** Every script of the store, so a store can define them all on its client up front. */
export const SESSION_SCRIPTS = [
  createScript,
  compareAndSetScript,
  destroyScript,
  renewLockScript,
  releaseLockScript,
  putSideScript,
  getSideScript,
  indexAddScript,
  indexListScript,
] as const;
