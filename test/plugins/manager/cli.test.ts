import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createLogger, PeerClientFactory, type PeerClient } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import { NdjsonProc } from '@pinhole/lab';
import { peerOptions } from '../../helpers/peers';

const BIN = path.resolve(__dirname, '..', '..', '..', '..', 'core', 'bin', 'pinhole.js');
const pinhole = (args: string[]) => new NdjsonProc(spawn(process.execPath, [BIN, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] }));

describe('cli: pinhole manager and pinhole peer', function () {
  this.timeout(15000);
  const procs: NdjsonProc[] = [];
  let host: Host | undefined;
  let alice: PeerClient | undefined;
  after(async () => {
    await alice?.close();
    await host?.dispose();
    for (const p of procs.reverse()) await p.stop();
  });

  it('runs a manager and a peer as processes; an in-process caller reaches the peer, which prints call.incoming/ready/ended', async () => {
    const manager = pinhole(['manager', '--listen', '127.0.0.1:0', '--udp', '127.0.0.1:0']);
    procs.push(manager);
    const ready = await manager.waitFor('manager.ready', 8000);
    assert.match(String(ready.tcp), /^127\.0\.0\.1:\d+$/);
    assert.equal(ready.ws, `wss://${ready.tcp}/`, 'TLS by default');
    assert.equal(ready.tls, 'self-signed');
    assert.match(String(ready.pin), /^sha256:[A-Za-z0-9_-]{43}$/);
    const peer = pinhole(['peer', '--id', 'cli-bob', '--manager', `wss://${ready.tcp}/`, '--allow-any', '--udp-host', '127.0.0.1']);
    procs.push(peer);
    const pinned = await peer.waitFor('manager.pinned', 8000);
    assert.equal(pinned.pin, ready.pin, 'first contact pins the manager certificate (TOFU)');
    const registered = await peer.waitFor('peer.registered', 8000);
    assert.equal(registered.id, 'cli-bob');
    assert.equal(registered.transport, 'ws');
    assert.equal(registered.tls, true);
    assert.match(String(registered.reflexive), /^127\.0\.0\.1:\d+$/);

    host = new Host({ config: {}, log: createLogger({ level: 'silent', events: false }) });
    await host.start();
    await host.plugins.activate('manager-client');
    alice = await (await host.services.load<PeerClientFactory>(PeerClientFactory)).create(peerOptions('cli-alice', { tcp: String(ready.tcp), pin: String(ready.pin) }));
    await alice.start();
    const call = await alice.call('cli-bob');
    assert.equal(call.security?.remoteFingerprint, registered.fingerprint, 'the session is authenticated to bob\'s key');
    assert.ok((await call.session.ping()) < 1000);
    assert.equal((await peer.waitFor('call.incoming', 2000)).peer, 'cli-alice');
    const up = await peer.waitFor('call.ready', 2000);
    assert.equal(up.strategy, 'null-udp');
    await alice.hangup(call.callId, 'test done');
    const ended = await peer.waitFor('call.ended', 2000);
    assert.ok((ended.received as number) >= 1, 'the peer received our datagrams');

    await peer.stop();
    assert.equal(await peer.exited, 0);
    await manager.stop();
    assert.equal(await manager.exited, 0, 'SIGTERM stops the manager cleanly');
    assert.ok(manager.events.some((e) => e.event === 'manager.stopped'));
  });

  it('a peer started with no --allow says so, and callers get the refusal naming the remedy', async () => {
    const manager = pinhole(['manager', '--listen', '127.0.0.1:0', '--udp', '127.0.0.1:0']);
    procs.push(manager);
    const ready = await manager.waitFor('manager.ready', 8000);
    const peer = pinhole(['peer', '--id', 'shy', '--manager', String(ready.tcp), '--manager-fingerprint', String(ready.pin), '--udp-host', '127.0.0.1']);
    procs.push(peer);
    await peer.waitFor('peer.registered', 8000);
    assert.ok(peer.stderr.some((l) => /refusing every call: start with --allow/.test(l)), peer.stderr.join('\n'));
    host ??= new Host({ config: {}, log: createLogger({ level: 'silent', events: false }) });
    await host.start();
    const caller = await (await host.services.load<PeerClientFactory>(PeerClientFactory)).create(peerOptions('knocker', { tcp: String(ready.tcp), pin: String(ready.pin) }));
    try {
      await caller.start();
      await assert.rejects(caller.call('shy'), (e: { code: string; message: string }) => e.code === 'E_PEER_UNAVAILABLE' && /--allow knocker/.test(e.message));
    } finally {
      await caller.close();
    }
  });

  it('a manager whose stdout reader went away keeps serving (EPIPE is not fatal) and still stops cleanly', async () => {
    const manager = pinhole(['manager', '--listen', '127.0.0.1:0', '--udp', '127.0.0.1:0']);
    procs.push(manager);
    const ready = await manager.waitFor('manager.ready', 8000);
    manager.child.stdout!.destroy(); // like `pinhole manager --json | head -1`
    host ??= new Host({ config: {}, log: createLogger({ level: 'silent', events: false }) });
    await host.start();
    for (const id of ['after-pipe-1', 'after-pipe-2']) {
      const p = await (await host.services.load<PeerClientFactory>(PeerClientFactory)).create(peerOptions(id, { tcp: String(ready.tcp), pin: String(ready.pin) }));
      await p.start();
      await p.close();
    }
    manager.child.kill('SIGTERM');
    assert.equal(await manager.exited, 0);
  });

  it('--listen HOST:PORT alone puts STUN on the same host (udpHost follows host unless set)', async () => {
    // udpPort 0 from the config: the default 3478 may be taken on a shared machine.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-manager-'));
    const config = path.join(dir, 'pinhole.config.json');
    fs.writeFileSync(config, JSON.stringify({ plugins: { 'manager-server': { options: { udpPort: 0 } } } }));
    const manager = pinhole(['manager', '--listen', '127.0.0.1:0', '--config', config]);
    procs.push(manager);
    const ready = await manager.waitFor('manager.ready', 8000);
    assert.match(String(ready.tcp), /^127\.0\.0\.1:\d+$/);
    assert.match(String(ready.udp), /^127\.0\.0\.1:\d+$/, 'STUN binds where --listen does, not 0.0.0.0');
    await manager.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says what is wrong with bad arguments', async () => {
    const bad = pinhole(['manager', '--listen', 'nowhere']);
    procs.push(bad);
    assert.equal(await bad.exited, 1);
    const err = bad.events.find((e) => e.event === 'error')!;
    assert.equal(err.code, 'E_BAD_ADDRESS');
    assert.match(String(err.message), /--listen nowhere: expected HOST:PORT/);
    const usage = pinhole(['peer', '--id', 'x']);
    procs.push(usage);
    assert.equal(await usage.exited, 2);
    assert.match(usage.stderr.join('\n'), /usage: pinhole peer --id NAME \[--manager HOST:PORT/);
  });
});
