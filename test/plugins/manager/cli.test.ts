import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createLogger, Host, PeerClientFactory, type PeerClient } from '@pinhole/core';
import { NdjsonProc } from '@pinhole/lab';

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
    assert.equal(ready.ws, `ws://${ready.tcp}/`);
    const peer = pinhole(['peer', '--id', 'bob', '--manager', `ws://${ready.tcp}/`, '--udp-host', '127.0.0.1']);
    procs.push(peer);
    const registered = await peer.waitFor('peer.registered', 8000);
    assert.equal(registered.id, 'bob');
    assert.equal(registered.transport, 'ws');
    assert.match(String(registered.reflexive), /^127\.0\.0\.1:\d+$/);
    // Classified in the background against the manager's two STUN ports (loopback: no NAT).
    const nat = await peer.waitFor('peer.nat', 5000);
    assert.deepEqual([nat.natted, nat.mapping, nat.hard, nat.tested], [false, 'endpoint-independent', false, 'port']);

    host = new Host({ config: {}, log: createLogger({ level: 'silent', events: false }) });
    await host.start();
    await host.plugins.activate('manager-client');
    alice = await host.container.get<PeerClientFactory>(PeerClientFactory).create({ peerId: 'alice', manager: String(ready.tcp), udpHost: '127.0.0.1' });
    await alice.start();
    const call = await alice.call('bob');
    assert.ok((await call.session.ping()) < 1000);
    assert.equal((await peer.waitFor('call.incoming', 2000)).peer, 'alice');
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
    assert.match(usage.stderr.join('\n'), /usage: pinhole peer --id NAME --manager/);
  });
});

describe('cli: the manager on IPv6 (--listen [::1]:PORT)', function () {
  this.timeout(15000);
  const procs: NdjsonProc[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-v6-'));
  after(async () => {
    for (const p of procs.reverse()) await p.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('STUN follows the listen address, addresses print with brackets, and an IPv6 peer learns its reflexive address', async () => {
    const cfg = path.join(dir, 'pinhole.config.json');
    // Free ports, but no --udp: the STUN address must follow --listen.
    fs.writeFileSync(cfg, JSON.stringify({ plugins: { 'manager-server': { options: { udpPort: 0 } } } }));
    const manager = pinhole(['manager', '--listen', '[::1]:0', '--config', cfg]);
    procs.push(manager);
    const ready = await manager.waitFor('manager.ready', 8000);
    assert.match(String(ready.tcp), /^\[::1\]:\d+$/);
    assert.match(String(ready.udp), /^\[::1\]:\d+$/, 'STUN listens on the IPv6 address, not 0.0.0.0');
    assert.match(String(ready.stunAlternate), /^\[::1\]:\d+$/);
    assert.equal(ready.ws, `ws://${ready.tcp}/`);
    const peer = pinhole(['peer', '--id', 'v6bob', '--manager', String(ready.tcp), '--udp-host', '::1']);
    procs.push(peer);
    const registered = await peer.waitFor('peer.registered', 8000);
    assert.match(String(registered.reflexive), /^\[::1\]:\d+$/);
  });
});
