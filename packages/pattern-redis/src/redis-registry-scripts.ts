// The Lua scripts of the Redis registry store, defined on the command client with ioredis defineCommand
// (EVALSHA, falling back to EVAL after a restart flushed the script cache). Each runs atomically and
// reads the clock with TIME, so liveness is decided by the Redis server's clock, never the client's.
// Keys (redis-registry-keys.ts): KEYS[1] the data HASH (identity -> record, see redis-registry-record.ts),
// KEYS[2] the expiry ZSET (identity scored by expiresAtMs; live while the score is > now), KEYS[3] the
// meta HASH {epoch, seq, trimmed} and KEYS[4] the change-log ZSET (identity scored by the seq of its last
// change). Every write bumps seq and logs the identity, so a mirror (redis-registry-mirror.ts) catches up
// by fetching only what changed since the seq it has seen; `epoch` names one incarnation of the registry
// (a Redis that lost its data starts another), `trimmed` is the highest seq dropped from the change log.
import type { RedisCommandClient } from "./redis-client.js";

/** Change-log entries kept beyond one per stored identity (for deletions); older ones are trimmed. */
const TOMBSTONES = 10_000;

/** Lua prelude: `now`, the server time in Unix ms; `fmt`, an integer as a decimal string; `logged`, which logs changes. */
const PRELUDE = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function fmt(n) return string.format('%.0f', n) end
local function logged(identities)
  if #identities == 0 then return end
  redis.call('HSETNX', KEYS[3], 'epoch', t[1] .. '.' .. t[2])
  local seq = redis.call('HINCRBY', KEYS[3], 'seq', 1)
  for i = 1, #identities do redis.call('ZADD', KEYS[4], seq, identities[i]) end
  local excess = redis.call('ZCARD', KEYS[4]) - redis.call('HLEN', KEYS[1]) - ${TOMBSTONES}
  if excess > 0 then
    local oldest = redis.call('ZRANGE', KEYS[4], excess - 1, excess - 1, 'WITHSCORES')
    redis.call('ZREMRANGEBYRANK', KEYS[4], 0, excess - 1)
    redis.call('HSET', KEYS[3], 'trimmed', oldest[2])
  end
end
`;

/** Lua that removes up to `limit` expired identities (score <= now) from both keys and logs them; `removed` is how many. */
const CLEANUP = (limit: string) => `local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, ${limit})
if #expired > 0 then
  redis.call('HDEL', KEYS[1], unpack(expired))
  redis.call('ZREM', KEYS[2], unpack(expired))
  logged(expired)
end
local removed = #expired
`;

/**
 * ARGV: identity, ttlMs, replace ("1"/"0"), maxIdentities, metadata JSON, cleanup batch.
 * Replies {0, registeredAtMs, expiresAtMs}, {1} (live and no replace: ALREADY_EXISTS) or {2, live count} (full).
 */
const REGISTER = `${PRELUDE}${CLEANUP("tonumber(ARGV[6])")}
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
local live = score and tonumber(score) > now
if live and ARGV[3] ~= '1' then return {1} end
if not live then
  local count = redis.call('ZCOUNT', KEYS[2], '(' .. fmt(now), '+inf')
  if count >= tonumber(ARGV[4]) then return {2, count} end
end
local expires = now + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], fmt(expires) .. ':' .. fmt(now) .. ':' .. fmt(tonumber(ARGV[2])) .. ':' .. ARGV[5])
redis.call('ZADD', KEYS[2], expires, ARGV[1])
logged({ARGV[1]})
return {0, now, expires}
`;

/** ARGV: identity, ttlMs (0 = the registered TTL). Replies the new expiresAtMs, or nil when not live (an expired one is removed). */
const HEARTBEAT = `${PRELUDE}
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not score then return false end
local value = redis.call('HGET', KEYS[1], ARGV[1])
if tonumber(score) <= now or not value then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  logged({ARGV[1]})
  return false
end
local registered, ttl, rest = string.match(value, '^%d+:(%d+):(%d+):(.*)$')
if not registered then return false end
local extend = tonumber(ARGV[2])
if extend == 0 then extend = tonumber(ttl) end
local expires = now + extend
redis.call('HSET', KEYS[1], ARGV[1], fmt(expires) .. ':' .. registered .. ':' .. ttl .. ':' .. rest)
redis.call('ZADD', KEYS[2], expires, ARGV[1])
logged({ARGV[1]})
return expires
`;

/** ARGV: identity. Removes it from both keys; replies 1 when it was live, else 0. */
const UNREGISTER = `${PRELUDE}
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if score or removed > 0 then logged({ARGV[1]}) end
if score and tonumber(score) > now then return 1 end
return 0
`;

/** ARGV: identity. Replies its record when live, else nil. */
const GET = `${PRELUDE}
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not score or tonumber(score) <= now then return false end
return redis.call('HGET', KEYS[1], ARGV[1])
`;

/** No ARGV. Replies the number of live identities. */
const COUNT = `${PRELUDE}
return redis.call('ZCOUNT', KEYS[2], '(' .. fmt(now), '+inf')
`;

/** ARGV: batch. Removes up to `batch` expired identities; replies how many. */
const CLEANUP_SCRIPT = `${PRELUDE}${CLEANUP("tonumber(ARGV[1])")}
return removed
`;

/**
 * ARGV: epoch the mirror has, seq it has seen, most changes to return (0 = no bound).
 * Replies {now, epoch, seq, 0} when the mirror must reload (another epoch, changes trimmed, or more
 * changes than the bound), else {now, epoch, seq, 1, identities changed since, their records (nil = gone)}.
 */
const CHANGES = `${PRELUDE}
local meta = redis.call('HMGET', KEYS[3], 'epoch', 'seq', 'trimmed')
local epoch = meta[1] or ''
local seq = tonumber(meta[2] or '0')
local last = tonumber(ARGV[2])
if epoch ~= ARGV[1] or last < tonumber(meta[3] or '0') or last > seq then return {now, epoch, seq, 0} end
if last == seq then return {now, epoch, seq, 1, {}, {}} end
local after = '(' .. fmt(last)
local bound = tonumber(ARGV[3])
if bound > 0 and redis.call('ZCOUNT', KEYS[4], after, '+inf') > bound then return {now, epoch, seq, 0} end
local changed = redis.call('ZRANGEBYSCORE', KEYS[4], after, '+inf')
local values = {}
for i = 1, #changed, 1000 do
  local part = redis.call('HMGET', KEYS[1], unpack(changed, i, math.min(i + 999, #changed)))
  for j = 1, #part do values[#values + 1] = part[j] end
end
return {now, epoch, seq, 1, changed, values}
`;

/** What CHANGES replies. */
export type RegistryChangesReply =
  | [now: number, epoch: string, seq: number, reload: 0]
  | [now: number, epoch: string, seq: number, incremental: 1, changed: string[], values: (string | null)[]];

/** The registry scripts as methods of the command client (after defineRegistryScripts); all take the four keys first. */
export interface RedisRegistryScripts {
  /** See REGISTER. */
  prismRegistryRegister(
    ...args: [
      ...keys: RegistryKeys,
      identity: string,
      ttlMs: number,
      replace: "1" | "0",
      maxIdentities: number,
      metadataJson: string,
      cleanup: number,
    ]
  ): Promise<number[]>;
  /** See HEARTBEAT. */
  prismRegistryHeartbeat(...args: [...keys: RegistryKeys, identity: string, ttlMs: number]): Promise<number | null>;
  /** See UNREGISTER. */
  prismRegistryUnregister(...args: [...keys: RegistryKeys, identity: string]): Promise<number>;
  /** See GET. */
  prismRegistryGet(...args: [...keys: RegistryKeys, identity: string]): Promise<string | null>;
  /** See COUNT. */
  prismRegistryCount(...args: RegistryKeys): Promise<number>;
  /** See CLEANUP_SCRIPT. */
  prismRegistryCleanup(...args: [...keys: RegistryKeys, batch: number]): Promise<number>;
  /** See CHANGES. */
  prismRegistryChanges(...args: [...keys: RegistryKeys, epoch: string, seq: number, bound: number]): Promise<RegistryChangesReply>;
}

/** The four keys of a namespace's registry, in script order: data, expiry, meta, changes. */
export type RegistryKeys = [data: string, expiry: string, meta: string, changes: string];

/** Defines the registry scripts on `client` (idempotent) and returns it typed with them. */
export function defineRegistryScripts<C extends RedisCommandClient>(client: C): C & RedisRegistryScripts {
  const scripts: Record<keyof RedisRegistryScripts, string> = {
    prismRegistryRegister: REGISTER,
    prismRegistryHeartbeat: HEARTBEAT,
    prismRegistryUnregister: UNREGISTER,
    prismRegistryGet: GET,
    prismRegistryCount: COUNT,
    prismRegistryCleanup: CLEANUP_SCRIPT,
    prismRegistryChanges: CHANGES,
  };
  for (const [name, lua] of Object.entries(scripts)) client.defineCommand(name, { lua, numberOfKeys: 4 });
  return client as C & RedisRegistryScripts;
}
