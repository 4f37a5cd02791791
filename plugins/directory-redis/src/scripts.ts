import type { Cluster, Redis } from 'ioredis';

/**
 * The directory's Lua scripts. Each runs atomically on the one slot its keys share (see keys.ts),
 * so check-and-write is a single step however many manager nodes race. Times come from the
 * caller (the manager's clock), as with every backend; Redis TTLs are relative for the same
 * reason, so clock skew between Redis and a manager cannot expire a record early.
 */
const SCRIPTS = {
  /**
   * KEYS: record, binding, bucket expiry index.
   * ARGV: now, peerId, owner key, expiresAt, Redis TTL ms, bind ('1' | '0'), field/value pairs…
   * Reply: {1, previous fields} or {0, holder fields, bound key or ''}.
   * bind = '1' is Directory v2: the name belongs for good to the first key that claims it (a
   * binding key with no TTL, set here, checked before anything else); remove() leaves it. With
   * bind = '0' (the shared-secret interface) the live record alone decides.
   */
  phDirClaim: {
    keys: 3,
    lua: `
local bound = false
if ARGV[6] == '1' then
  bound = redis.call('GET', KEYS[2])
  if bound and bound ~= ARGV[3] then return {0, redis.call('HGETALL', KEYS[1]), bound} end
end
local cur = redis.call('HGETALL', KEYS[1])
if #cur > 0 then
  local owner, expires
  for i = 1, #cur, 2 do
    if cur[i] == 'k' then owner = cur[i + 1] elseif cur[i] == 'e' then expires = tonumber(cur[i + 1]) end
  end
  if expires and expires > tonumber(ARGV[1]) and owner ~= ARGV[3] then return {0, cur, bound or ''} end
  redis.call('DEL', KEYS[1])
end
if ARGV[6] == '1' and not bound then redis.call('SET', KEYS[2], ARGV[3]) end
redis.call('HSET', KEYS[1], unpack(ARGV, 7))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
return {1, cur}`,
  },
  /** KEYS: record, bucket expiry index. ARGV: peerId, lastSeen, expiresAt, Redis TTL ms. Reply: 1 or 0. */
  phDirTouch: {
    keys: 2,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'l', ARGV[2], 'e', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
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
   * KEYS: record, bucket expiry index. ARGV: peerId, '1' to check the owner, owner key.
   * The live record only: a v2 binding stays. Reply: 1 or 0.
   */
  phDirRemove: {
    keys: 2,
    lua: `
local owner = redis.call('HGET', KEYS[1], 'k')
if not owner then return 0 end
if ARGV[2] == '1' and owner ~= ARGV[3] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`,
  },
  /**
   * KEYS: bucket expiry index. ARGV: now, the bucket's record key prefix, batch limit.
   * Removes and returns up to `limit` ids due at `now`; the records share the index's hash tag.
   */
  phDirExpire: {
    keys: 1,
    lua: `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('DEL', ARGV[2] .. id)
end
if #ids > 0 then redis.call('ZREM', KEYS[1], unpack(ids)) end
return ids`,
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
};

export function defineScripts(client: Redis | Cluster): ScriptedClient {
  for (const [name, s] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: s.keys, lua: s.lua });
  return client as ScriptedClient;
}
