import { strict as assert } from 'assert';
import { createLogger, DirectoryBackend, type Directory, type PeerRecord } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import type { MemoryDirectory } from '@pinhole/directory-memory';
import directoryCompliance from '../compliance/directory';
import { rng } from '../helpers/rng';

const NO_CALLS = { mode: 'none' as const, allow: [], optimistic: false };

/** The backend exactly as the manager finds it: activated by its event, picked by name from the container. */
async function memoryBackend(host: Host): Promise<DirectoryBackend> {
  const backend = (await host.services.loadAll<DirectoryBackend>(DirectoryBackend, 'onDirectory:memory')).find((b) => b.name === 'memory');
  assert.ok(backend, 'directory-memory binds a DirectoryBackend named "memory"');
  return backend;
}

describe('directory-memory', () => {
  let host: Host;
  let backend: DirectoryBackend;
  before(async () => {
    // Silent: one compliance test makes a subscriber throw on purpose, which the backend logs.
    host = new Host({ config: {}, builtinPlugins: true, log: createLogger({ level: 'silent' }) });
    backend = await memoryBackend(host);
  });
  after(async () => {
    await host.dispose();
  });

  it('is active through onDirectory:memory and unbound again when the host deactivates it', async () => {
    assert.equal(host.plugins.get('directory-memory')?.state, 'active');
    const other = new Host({ config: {}, builtinPlugins: true, log: createLogger({ level: 'silent' }) });
    await memoryBackend(other);
    await other.dispose();
    assert.deepEqual(await other.services.loadAll(DirectoryBackend), []);
  });

  directoryCompliance('memory', {
    create: (options) => backend.create({ ...options }),
    connect: async (d: Directory) => (d as MemoryDirectory).connect(),
  });

  it('keeps expiry exact when keep-alives pile up with no sweep (the expiry heap compacts itself)', async () => {
    const d = await backend.create({});
    const now = Date.now();
    const rec = (peerId: string, expiresAt: number): PeerRecord =>
      ({ peerId, publicKey: peerId, candidates: [], payloadTypes: [], meta: {}, policy: NO_CALLS, node: 'n', registeredAt: now, lastSeen: now, expiresAt });
    await d.claim(rec('quiet', now + 10_000), now);
    await d.claim(rec('chatty', now + 1_000), now);
    for (let i = 1; i <= 5_000; i++) await d.touch('chatty', now + i, 1_000);
    assert.deepStrictEqual(await d.expire(now + 5_999), []);
    assert.deepStrictEqual(await d.expire(now + 6_000), ['chatty']);
    assert.deepStrictEqual(await d.expire(now + 10_000), ['quiet']);
    await d.close();
  });

  it('expiry (heap with lazy deletion) matches a full-scan model over 20,000 random operations', async () => {
    const d = await backend.create({});
    // Names stay bound to their first key here (the name TTL is far longer than the run).
    const model = new Map<string, { secret: string; expiresAt: number }>();
    const bound = new Map<string, string>();
    const r = rng(0xd1ec7);
    let now = Date.now();
    for (let op = 0; op < 20_000; op++) {
      const id = `p${r.int(0, 49)}`; // few ids, many keep-alives: stale entries pile up
      const k = r.next();
      if (k < 0.3) {
        const secret = `s${r.int(0, 2)}`;
        const expiresAt = now + r.int(-100, 3_000);
        const wins = (bound.get(id) ?? secret) === secret;
        const res = await d.claim({ peerId: id, publicKey: secret, candidates: [], payloadTypes: [], meta: {}, policy: NO_CALLS, node: 'n', registeredAt: now, lastSeen: now, expiresAt }, now);
        assert.equal(res.ok, wins, `op ${op}: claim ${id}`);
        if (wins) {
          model.set(id, { secret, expiresAt });
          bound.set(id, secret);
        }
      } else if (k < 0.8) {
        const ttl = r.int(0, 3_000);
        assert.equal(await d.touch(id, now, ttl), model.has(id), `op ${op}: touch ${id}`);
        const m = model.get(id);
        if (m) m.expiresAt = now + ttl;
      } else if (k < 0.85) {
        assert.equal(await d.remove(id), model.delete(id), `op ${op}: remove ${id}`);
      } else {
        now += r.int(0, 500);
        const due = [...model].filter(([, m]) => m.expiresAt <= now).map(([i]) => i);
        for (const i of due) model.delete(i);
        assert.deepStrictEqual([...(await d.expire(now))].sort(), due.sort(), `op ${op}: expire`);
        assert.equal(await d.count(), model.size);
      }
    }
    await d.close();
  });

  it('holds 10,000 peers: claim, count and expire half stay fast', async function () {
    this.timeout(20_000);
    const d = await backend.create({});
    const N = 10_000;
    const now = Date.now();
    const rec = (i: number): PeerRecord => ({
      peerId: `peer-${i}`,
      publicKey: `${i}`.padStart(43, '0'),
      candidates: [{ address: '10.0.0.2', port: 40000 + (i % 20000), kind: 'host' }],
      payloadTypes: ['voice'],
      meta: {},
      policy: NO_CALLS,
      node: 'node-a',
      registeredAt: now,
      lastSeen: now,
      // Even peers expire at +1 s, odd ones at +60 s.
      expiresAt: now + (i % 2 ? 60_000 : 1_000),
    });
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) assert.ok((await d.claim(rec(i), now)).ok);
    const t1 = process.hrtime.bigint();
    assert.equal(await d.count(), N);
    // Half the live peers send a keep-alive, leaving stale expiry entries behind (lazy deletion).
    for (let i = 1; i < N; i += 4) await d.touch(`peer-${i}`, now + 500, 60_000);
    const t2 = process.hrtime.bigint();
    const expired = await d.expire(now + 1_000);
    const t3 = process.hrtime.bigint();
    const heapAfter = process.memoryUsage().heapUsed;
    assert.equal(expired.length, N / 2);
    assert.ok(expired.every((id) => Number(id.slice(5)) % 2 === 0));
    assert.equal(await d.count(), N / 2);
    assert.deepStrictEqual(await d.expire(now + 1_000), []);
    const ms = (a: bigint, b: bigint): string => (Number(b - a) / 1e6).toFixed(1);
    console.log(
      `      ${N} claims ${ms(t0, t1)} ms, ${N / 4} touches ${ms(t1, t2)} ms, expire ${N / 2} ${ms(t2, t3)} ms;` +
        ` heap +${((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MiB (rough, no forced GC)`,
    );
    assert.ok(Number(t3 - t0) / 1e6 < 5_000, 'a generous sanity bound, not a benchmark');
    await d.close();
  });
});
