import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createLogger, type DirectoryBackend, type Directory, type PeerRecord } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import { MemoryDirectory } from '@pinhole/directory-memory';
import directoryCompliance from '../compliance/directory';
import { RawPeer, testManager, TestKey } from '../helpers/manager';
import { backendNamed } from '../helpers/redis-directory';

const record = (peerId: string, publicKey: string, now: number): PeerRecord => ({
  peerId,
  publicKey,
  policy: { mode: 'list', allow: ['carol'], optimistic: false },
  candidates: [{ address: '10.0.0.2', port: 40000, kind: 'host' }],
  payloadTypes: ['voice'],
  meta: { agent: 'snapshot' },
  node: 'n1',
  registeredAt: now,
  lastSeen: now,
  expiresAt: now + 60_000,
});

describe('directory-memory: the snapshot file (directoryOptions.file)', () => {
  let dir: string;
  let host: Host;
  let backend: DirectoryBackend;
  let logged: Array<Record<string, unknown>>;
  let n = 0;
  const file = () => path.join(dir, `directory-${n++}.json`);
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-snapshot-'));
    logged = [];
    host = new Host({ config: {}, builtinPlugins: true, log: createLogger({ json: true, level: 'info', write: (l) => logged.push(JSON.parse(l)) }) });
    backend = await backendNamed(host, 'memory');
  });
  after(async () => {
    await host.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  directoryCompliance('memory with a snapshot file', {
    create: (options = {}) => backend.create({ ...options, file: file(), snapshotDelayMs: 0 }),
    connect: async (d: Directory) => (d as MemoryDirectory).connect(),
  });

  it('keeps the table across a restart: written atomically (mode 0600, no temp file left), loaded at start', async () => {
    const f = file();
    const now = Date.now();
    const first = await backend.create({ file: f });
    const alice = record('alice', 'hash-a', now);
    await first.claim(alice, now);
    await first.claim(record('bob', 'hash-b', now), now);
    await first.remove('bob');
    await first.close(); // flushes
    assert.equal(fs.statSync(f).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(path.dirname(f)).filter((x) => x.startsWith(path.basename(f)) && x !== path.basename(f)), [], 'no temp file left');

    const again = await backend.create({ file: f });
    assert.deepEqual(await again.get('alice'), alice);
    assert.equal(await again.get('bob'), undefined);
    assert.equal((await again.claim(record('alice', 'hash-intruder', now + 1), now + 1)).ok, false, 'the name is still held');
    await again.close();
  });

  it('writes changes within snapshotDelayMs without waiting for close', async () => {
    const f = file();
    const d = await backend.create({ file: f, snapshotDelayMs: 20 });
    const now = Date.now();
    await d.claim(record('carol', 'hash-c', now), now);
    const deadline = Date.now() + 2000;
    while (!fs.existsSync(f) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(JSON.parse(fs.readFileSync(f, 'utf8')).records.map((r: PeerRecord) => r.peerId), ['carol']);
    await d.close();
  });

  it('refuses a corrupt or foreign snapshot at start, naming the file; an unwritable one is reported once', async () => {
    const bad = file();
    fs.writeFileSync(bad, '{"pinholeDirectory":2,"bindings":{},"records":[{"peerId":"x"}]}');
    await assert.rejects(backend.create({ file: bad }), (e: { code: string; message: string }) => e.code === 'E_DIRECTORY_SNAPSHOT' && e.message.includes(bad) && /records\[0\] has no publicKey/.test(e.message));
    fs.writeFileSync(bad, 'not json');
    await assert.rejects(backend.create({ file: bad }), { code: 'E_DIRECTORY_SNAPSHOT' });
    await assert.rejects(backend.create({ file: 42 }), (e: { code: string; message: string }) => e.code === 'E_DIRECTORY_OPTIONS' && /directoryOptions\/file must be string/.test(e.message));

    const nowhere = path.join(dir, 'missing-folder', 'directory.json');
    const d = await backend.create({ file: nowhere, snapshotDelayMs: 0 });
    const now = Date.now();
    for (let i = 0; i < 5; i++) await d.claim(record(`p${i}`, 'h', now), now);
    await d.close();
    assert.equal(logged.filter((l) => /cannot be written/.test(String(l.msg))).length, 1);
  });

  it('keeps a name bound to its key across a restart, after its record is gone (the binding is in the snapshot)', async () => {
    const f = file();
    const now = Date.now();
    const first = await backend.create({ file: f });
    await first.claim(record('alice', 'key-a', now), now);
    await first.remove('alice', 'key-a'); // a Bye: the record goes, the name stays bound
    await first.close();
    const again = await backend.create({ file: f });
    assert.equal(await again.get('alice'), undefined);
    assert.equal(await again.binding('alice'), 'key-a');
    const refusal = await again.claim(record('alice', 'key-other', now + 1), now + 1);
    assert.equal(refusal.ok, false);
    assert.equal(!refusal.ok && refusal.boundKey, 'key-a');
    await again.close();
  });

  it('a manager restarted on its snapshot keeps a name for the key that claimed it', async () => {
    const f = file();
    const open = () => MemoryDirectory.create(() => undefined, {}, { file: f, delayMs: 0, onError: (err) => assert.fail(err.message) });
    const bobKey = new TestKey();
    let directory = open();
    let m = await testManager({ directory });
    const bob = await RawPeer.tcp(m.address().tcp.port);
    await bob.register('bob', { key: bobKey });
    bob.close();
    await m.close();
    await directory.close();
    directory = open();
    m = await testManager({ directory });
    try {
      const intruder = await RawPeer.tcp(m.address().tcp.port);
      await assert.rejects(intruder.register('bob'), { code: 'E_ID_TAKEN' });
      intruder.close();
      const back = await RawPeer.tcp(m.address().tcp.port);
      assert.equal((await back.register('bob', { key: bobKey })).peerId, 'bob');
      back.close();
    } finally {
      await m.close();
      await directory.close();
    }
  });
});
