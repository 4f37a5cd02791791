import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createLogger, createManager, createPeer, MANAGER_PLUGINS, PEER_PLUGINS, type Manager, type Peer } from 'pinhole';
import { haveFfmpeg, makeClip } from '../helpers/video';

describe('pinhole (the package): createPeer / createManager', function () {
  this.timeout(30_000);
  let dir: string;
  let manager: Manager;
  const open: Peer[] = [];
  const keys = (name: string) => ({ identity: path.join(dir, `${name}.pem`), knownPeers: path.join(dir, `${name}.known_peers`) });
  const peer = async (init: Parameters<typeof createPeer>[0]) => {
    const p = await createPeer(init);
    open.push(p);
    return p;
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-sdk-'));
    manager = await createManager({ plugins: MANAGER_PLUGINS });
  });
  afterEach(async () => {
    for (const p of open.splice(0)) await p.close();
  });
  after(async () => {
    await manager.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a manager listens on loopback with TLS, its pin and admin token at hand; peers given it pin it up front', async () => {
    assert.match(manager.address, /^127\.0\.0\.1:\d+$/);
    assert.match(String(manager.pin), /^sha256:/);
    assert.ok(manager.adminToken.length >= 16);
    assert.equal(manager.directory, 'memory');
    const bob = await peer({ id: 'sdk-bob', manager, allow: 'any', ...keys('sdk-bob') });
    assert.ok(bob.registered);
    assert.match(String(bob.fingerprint), /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    assert.deepEqual(manager.status().peers.map((p) => p.id), ['sdk-bob']);
  });

  it('is silent: nothing reaches stdout or stderr unless a logger is given', async () => {
    const writes: string[] = [];
    const out = process.stdout.write;
    const err = process.stderr.write;
    process.stdout.write = ((s: string) => (writes.push(String(s)), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => (writes.push(String(s)), true)) as typeof process.stderr.write;
    try {
      const bob = await peer({ id: 'quiet-bob', manager, allow: ['quiet-alice'], ...keys('quiet-bob') });
      const alice = await peer({ id: 'quiet-alice', manager, ...keys('quiet-alice') });
      const call = await alice.call('quiet-bob');
      await call.hangup();
      await bob.close();
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    assert.deepEqual(writes, []);
    const lines: string[] = [];
    const loud = await peer({ id: 'loud', manager, logger: createLogger({ json: true, level: 'info', write: (l) => lines.push(l) }), ...keys('loud') });
    assert.ok(lines.some((l) => JSON.parse(l).event === 'peer.registered'), 'the logger gets the events');
    await loud.close();
  });

  it('calls, answers, carries datagrams and named streams; events and closed report the end', async () => {
    const bob = await peer({ id: 'ev-bob', manager, allow: ['ev-alice'], ...keys('ev-bob') });
    const alice = await peer({ id: 'ev-alice', manager, ...keys('ev-alice') });
    const incoming = new Promise<import('pinhole').Call>((resolve) => bob.onCall(resolve));
    const call = await alice.call('ev-bob');
    const answered = await incoming;
    assert.equal(answered.peer, 'ev-alice');
    assert.equal(call.path, 'direct');
    assert.equal(call.encrypted, true);
    assert.ok((await call.ping()) < 1000);
    const datagram = new Promise<string>((resolve) => answered.onDatagram((d) => resolve(String(d))));
    call.send(Buffer.from('datagram'));
    assert.equal(await datagram, 'datagram');
    const ended = new Promise((resolve) => bob.on('ended', resolve));
    await call.hangup('done here');
    assert.match(await answered.closed, /done here|hung up|hangup/);
    assert.equal(((await ended) as { peer: string }).peer, 'ev-alice');
  });

  it('refuses at once with the callee\'s reason: files to a peer without an inbox', async () => {
    await peer({ id: 'no-inbox', manager, allow: 'any', ...keys('no-inbox') });
    const alice = await peer({ id: 'ff-alice', manager, ...keys('ff-alice') });
    const file = path.join(dir, 'x.txt');
    fs.writeFileSync(file, 'x');
    const t0 = Date.now();
    await assert.rejects(alice.sendFile('no-inbox', file), (e: { code: string; message: string }) => e.code === 'E_PAYLOAD_UNSUPPORTED' && /takes no file .*without an inbox/.test(e.message));
    assert.ok(Date.now() - t0 < 5000, 'refused at once, not after a transfer timeout');
  });

  it('an AbortSignal cancels a call in setup and closes a peer', async () => {
    const alice = await peer({ id: 'ab-alice', manager, ...keys('ab-alice') });
    await peer({ id: 'ab-bob', manager, allow: 'any', ...keys('ab-bob') });
    await assert.rejects(alice.call('ab-bob', { signal: AbortSignal.abort() }), (e: { code: string }) => e.code === 'E_ABORTED');
    const ac = new AbortController();
    const p = await createPeer({ id: 'ab-carol', manager, signal: ac.signal, ...keys('ab-carol') });
    ac.abort();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(p.registered, false, 'closed by its signal');
    await assert.rejects(createPeer({ id: 'ab-dave', manager, signal: AbortSignal.abort(), ...keys('ab-dave') }), (e: { code: string }) => e.code === 'E_ABORTED');
  });

  it('runs only the plugins it is given (and their dependencies); an unknown name is a clear error', async () => {
    const alice = await peer({ id: 'pl-alice', manager, plugins: PEER_PLUGINS, ...keys('pl-alice') });
    const states = new Map(alice.host.plugins.list().map((p) => [p.id, p.state]));
    assert.equal(states.get('manager-client'), 'active');
    assert.equal(states.get('payload-file'), 'disabled');
    assert.equal(states.get('app'), 'disabled');
    await assert.rejects(createPeer({ id: 'x', manager, plugins: ['no-such-plugin'] }), (e: { code: string; message: string }) => e.code === 'E_PLUGIN_UNKNOWN' && /installed: .*manager-client/.test(e.message));
  });

  it('video both ways over a call (mjpeg), the manager given as a list of nodes', async function () {
    if (!haveFfmpeg()) {
      console.log('      skipping: ffmpeg is missing (Debian package ffmpeg), it makes the test clip');
      return this.skip();
    }
    const clip = makeClip(dir, 'sdk-clip', { width: 160, height: 120, fps: 10, seconds: 1 });
    const back = path.join(dir, 'sdk-back.y4m');
    const pin = { managerFingerprint: manager.pin };
    const bob = await peer({ id: 'vid-bob', manager: [manager.address], ...pin, allow: ['vid-alice'], payloadTypes: ['video'], ...keys('vid-bob') });
    const alice = await peer({ id: 'vid-alice', manager: [manager.address], ...pin, ...keys('vid-alice') });
    const answered = new Promise<import('pinhole').VideoCall>((resolve, reject) => bob.onCall((c) => bob.video(c, { input: clip }).then(resolve, reject)));
    const call = await alice.call('vid-bob', { payloadTypes: ['video'] });
    const v = await alice.video(call, { input: clip, record: back, codec: 'mjpeg' });
    assert.equal(v.codec, 'mjpeg');
    const theirs = await answered;
    await Promise.all([v.finished, theirs.finished]); // both clips sent to the end
    const stats = await v.stop();
    await theirs.stop();
    await call.hangup();
    assert.ok(stats.framesSent > 0 && stats.framesReceived > 0, JSON.stringify(stats));
    assert.ok(fs.statSync(back).size > 0, 'the peer\'s video was recorded');
  });

  it('the manager\'s change events follow registrations and calls', async () => {
    const seen: number[] = [];
    const sub = manager.on('change', (s) => seen.push(s.calls.length));
    const bob = await peer({ id: 'ch-bob', manager, allow: 'any', ...keys('ch-bob') });
    const alice = await peer({ id: 'ch-alice', manager, ...keys('ch-alice') });
    const call = await alice.call(bob.id);
    await call.hangup();
    await new Promise((r) => setTimeout(r, 100));
    sub.dispose();
    assert.ok(seen.includes(1) && seen[seen.length - 1] === 0, `calls seen: ${seen.join(',')}`);
  });
});
