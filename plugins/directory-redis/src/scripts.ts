import type { Cluster, Redis } from 'ioredis';

/**
 * The directory's Lua scripts. Each runs atomically on the one slot its keys share (see keys.ts),
 * so check-and-write is a single step however many manager nodes race. Times come from the
 * caller (the manager's clock), as with every backend; Redis TTLs are relative for the same
 * reason, so clock skew between Redis and a manager cannot expire a record early.
 */
/** Lua helpers every script that touches a binding shares: it is a hash {k = owner key, u = last used}. */
const BINDING_LUA = `
local function bindingLive(bkey, rkey, now, nameTtl)
  local b = redis.call('HMGET', bkey, 'k', 'u')
  if not b[1] then return false end
  if redis.call('EXISTS', rkey) == 1 or tonumber(b[2]) + nameTtl > now then return b[1] end
  return false
end
local function retire(bkey, usedAt, ttl)
  local u = tonumber(redis.call('HGET', bkey, 'u'))
  if not u then return end
  if usedAt > u then redis.call('HSET', bkey, 'u', usedAt) end
  redis.call('PEXPIRE', bkey, ttl)
end
local function field(flat, name)
  for i = 1, #flat, 2 do if flat[i] == name then return flat[i + 1] end end
  return nil
end
`;

const SCRIPTS = {
  /**
   * KEYS: record, binding, bucket expiry index.
   * ARGV: now, peerId, owner key, expiresAt, record TTL ms, nameTtlMs, binding TTL ms, field/value pairs…
   * Reply: {1, previous fields} or {0, live holder fields, bound key}.
   * Directory v2: the name belongs to the key that first claimed it while the binding lives (its
   * record lives, or it was used within nameTtlMs); checked and set here, in the claim's step.
   */
  phDirClaim: {
    keys: 3,
    lua: `${BINDING_LUA}
local now = tonumber(ARGV[1])
local bound = bindingLive(KEYS[2], KEYS[1], now, tonumber(ARGV[6]))
local cur = redis.call('HGETALL', KEYS[1])
if bound and bound ~= ARGV[3] then
  local expires = tonumber(field(cur, 'e') or '0')
  if expires > now then return {0, cur, bound} end
  return {0, {}, bound}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[2], 'k', ARGV[3], 'u', ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
redis.call('HSET', KEYS[1], unpack(ARGV, 8))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
-- a record left over from a lapsed binding of another key is not this key's "previous"
if field(cur, 'k') == ARGV[3] then return {1, cur} end
return {1, {}}`,
  },
  /** KEYS: record, bucket expiry index, binding. ARGV: peerId, lastSeen, expiresAt, record TTL ms, binding TTL ms. Reply: 1 or 0. */
  phDirTouch: {
    keys: 3,
    lua: `
local owner = redis.call('HGET', KEYS[1], 'k')
if not owner then return 0 end
redis.call('HSET', KEYS[1], 'l', ARGV[2], 'e', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if redis.call('HGET', KEYS[3], 'k') == owner then
  redis.call('HSET', KEYS[3], 'u', ARGV[2])
  redis.call('PEXPIRE', KEYS[3], ARGV[5])
end
return 1`,
  },
  /** KEYS: record. ARGV: triples (s = set | d = delete, field, value). Keeps the TTL. Reply: 1 or 0. */
  phDirUpdate: {
    keys: 1,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 1, #ARGV, 3 do
  if ARGV[i] == 's' then redis.call('HSET', KEYS[1], ARGV[i + 1], ARGV[i + 2]) else redis.call('HDEL', KEYS[1], ARGV[i + 1]) end
end
return 1`,
  },
  /**
   * KEYS: record, bucket expiry index, binding. ARGV: peerId, '1' to check the owner, owner key, now,
   * binding TTL ms. The live record only: the binding stays, used until now. Reply: 1 or 0.
   */
  phDirRemove: {
    keys: 3,
    lua: `${BINDING_LUA}
local owner = redis.call('HGET', KEYS[1], 'k')
if not owner then return 0 end
if ARGV[2] == '1' and owner ~= ARGV[3] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
retire(KEYS[3], tonumber(ARGV[4]), ARGV[5])
return 1`,
  },
  /**
   * KEYS: bucket expiry index. ARGV: now, the bucket's record key prefix, its binding key prefix,
   * batch limit, binding TTL ms. Removes and returns up to `limit` ids due at `now` (records and
   * bindings share the index's hash tag); each binding counts as used until its record's lastSeen.
   */
  phDirExpire: {
    keys: 1,
    lua: `${BINDING_LUA}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[4]))
for _, id in ipairs(ids) do
  local lastSeen = tonumber(redis.call('HGET', ARGV[2] .. id, 'l') or '0')
  redis.call('DEL', ARGV[2] .. id)
  retire(ARGV[3] .. id, lastSeen, ARGV[5])
end
if #ids > 0 then redis.call('ZREM', KEYS[1], unpack(ids)) end
return ids`,
  },
  /** KEYS: record, binding. ARGV: now, nameTtlMs. Reply: the bound key or nil. */
  phDirBinding: {
    keys: 2,
    lua: `${BINDING_LUA}
return bindingLive(KEYS[2], KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))`,
  },
} as const;

type Reply = Promise<unknown>;
/** The client with the scripts defined (EVALSHA, re-sent as EVAL after a Redis restart empties the script cache). */
export type ScriptedClient = (Redis | Cluster) & {
  phDirClaim(...args: Array<string | number>): Reply;
  phDirTouch(...args: Array<string | number>): Reply;
  phDirUpdate(...args: Array<string | number>): Reply;
  phDirRemove(...args: Array<string | number>): Reply;
  phDirExpire(...args: Array<string | number>): Reply;
  phDirBinding(...args: Array<string | number>): Reply;
};

export function defineScripts(client: Redis | Cluster): ScriptedClient {
  for (const [name, s] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: s.keys, lua: s.lua });
  return client as ScriptedClient;
}
