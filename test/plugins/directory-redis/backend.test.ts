import { strict as assert } from 'assert';
import Redis from 'ioredis';
import { DirectoryBackend, type PeerRecord } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import { KeySpace, type RedisDirectory } from '@pinhole/directory-redis';
import { needRedis, startRedis, type RedisServer } from '../../helpers/redis';
import { deletePrefix, redisBackend, silentHost } from '../../helpers/redis-directory';

const record = (peerId: string, now: number, ttlMs: number): PeerRecord => ({
  peerId, publicKey: `k-${peerId}`, candidates: [], payloadTypes: [], meta: {}, policy: { mode: 'none', allow: [], optimistic: false }, node: 'n1', registeredAt: now, lastSeen: now, expiresAt: now + ttlMs,
});

describe('directory-redis: layout, Redis TTLs, options', function () {
  this.timeout(30_000);
  let server: RedisServer;
  let host: Host;
  let backend: DirectoryBackend;
  let redis: Redis;
  const prefix = `b-${process.pid}`;
  before(async function () {
    needRedis(this, 'the redis directory backend tests');
    server = await startRedis();
    host = silentHost();
    backend = await redisBackend(host);
    redis = new Redis(server.url);
  });
  after(async () => {
    redis?.disconnect();
    await host?.dispose();
    await server?.destroy();
  });
  afterEach(() => deletePrefix({ url: server.url }, prefix));

  it('keeps a record, its binding slot and its bucket index under one hash tag, with a Redis TTL of expiresAt − now + graceMs', async () => {
    const d = (await backend.create({ url: server.url, prefix, graceMs: 5000 })) as unknown as RedisDirectory;
    const now = Date.now();
    await d.claim(record('alice', now, 10_000), now);
    const keys = new KeySpace(prefix, 16);
    const tag = (k: string) => /\{[^}]*\}/.exec(k)![0];
    assert.equal(tag(keys.record('alice')), tag(keys.binding('alice')));
    assert.equal(tag(keys.record('alice')), tag(keys.expiryOf('alice')));
    const pttl = await redis.pttl(keys.record('alice'));
    assert.ok(pttl > 14_000 && pttl <= 15_000, `pttl ${pttl}`);
    assert.equal(Number(await redis.zscore(keys.expiryOf('alice'), 'alice')), now + 10_000);
    await d.touch('alice', now + 1000, 20_000);
    assert.ok((await redis.pttl(keys.record('alice'))) > 24_000);
    await d.close();
  });

  it('with no manager sweeping, Redis drops the record after its grace; a later sweep still reports the id once', async () => {
    const d = await backend.create({ url: server.url, prefix, graceMs: 50 });
    const now = Date.now();
    await d.claim(record('gone', now, 100), now);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(await d.get('gone'), undefined, 'the Redis TTL removed it');
    assert.deepEqual(await d.expire(Date.now()), ['gone']);
    assert.equal(await d.count(), 0);
    await d.close();
  });

  it('refuses a node whose shard count differs from the directory it joins, and bad options with their path', async () => {
    const first = await backend.create({ url: server.url, prefix, shards: 16 });
    await assert.rejects(backend.create({ url: server.url, prefix, shards: 8 }), (e: { code: string; message: string }) => e.code === 'E_DIRECTORY_LAYOUT' && /shards 16, this node has shards 8/.test(e.message));
    await first.close();
    await assert.rejects(backend.create({ url: 'http://x' }), (e: { code: string; message: string }) => e.code === 'E_DIRECTORY_OPTIONS' && /directoryOptions\/url must match pattern/.test(e.message));
    await assert.rejects(backend.create({ hosts: [] }), (e: { code: string; message: string }) => e.code === 'E_DIRECTORY_OPTIONS' && /directoryOptions\/hosts is not an allowed property/.test(e.message));
  });
});
