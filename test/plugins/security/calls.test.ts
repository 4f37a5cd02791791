import { strict as assert } from 'assert';
import * as dgram from 'dgram';
import { createLogger, encodeControl, encodeFrame, IdentityStore, ManagerServerFactory, PeerClientFactory, type ManagerServer, type PinholeError } from '@pinhole/core';
import { createTapApi, Host } from '@pinhole/core/host';
import type { ManagerPeerClient } from '@pinhole/manager-client';
import { RawPeer, TestKey } from '../../helpers/manager';
import { peerFiles, peerOptions } from '../../helpers/peers';

/** Peers and managers in one host (as the other integration tests), each peer with its own key file. */
async function host(): Promise<Host> {
  const h = new Host({ config: { plugins: { 'punch-null-udp': { options: { probeTimeoutMs: 1500 } } } }, log: createLogger({ level: 'silent', events: false }) });
  await h.start();
  await h.plugins.activate('manager-client');
  await h.plugins.activateByEvent('onManager');
  return h;
}

describe('security end to end: pins, impostors, callee policy, insecure mode', function () {
  this.timeout(20000);
  let h: Host;
  const open: Array<{ close(): Promise<void> }> = [];
  const manager = async (o: Record<string, unknown> = {}): Promise<ManagerServer> => {
    const m = await (await h.services.load<ManagerServerFactory>(ManagerServerFactory)).start({ host: '127.0.0.1', port: 0, udpHost: '127.0.0.1', udpPort: 0, ...o });
    open.push(m);
    return m;
  };
  const peer = async (id: string, m: ManagerServer, extra = {}): Promise<ManagerPeerClient> => {
    const p = (await (await h.services.load<PeerClientFactory>(PeerClientFactory)).create(peerOptions(id, m, extra))) as ManagerPeerClient;
    open.push(p);
    await p.start();
    return p;
  };
  beforeEach(async () => (h = await host()));
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await x.close();
    await h.dispose();
  });

  it('manager restart, then a stranger claims a pinned name: the caller gets E_PEER_KEY_CHANGED and the stranger hears nothing', async () => {
    let m = await manager();
    const bob = await peer('sec-bob', m);
    const alice = await peer('sec-alice', m);
    const first = await alice.call('sec-bob');
    assert.equal(first.security?.remoteFingerprint, bob.identity.fingerprint);
    await alice.hangup(first.callId);
    await alice.close();
    await bob.close();
    await m.close();

    // The manager comes back empty (memory directory, no snapshot file) and a stranger takes "sec-bob".
    m = await manager();
    const stranger = await peer('sec-bob', m, peerFiles('sec-bob-impostor'));
    assert.notEqual(stranger.identity.fingerprint, bob.identity.fingerprint);
    let heard = 0;
    stranger.on('incoming', () => heard++);
    const alice2 = await peer('sec-alice', m);
    await assert.rejects(alice2.call('sec-bob'), (e: PinholeError) => {
      assert.equal(e.code, 'E_PEER_KEY_CHANGED');
      assert.ok(e.message.includes(bob.identity.fingerprint) && e.message.includes(stranger.identity.fingerprint), e.message);
      assert.match(e.message, /known-peers forget sec-bob/);
      return true;
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(heard, 0, 'nothing was delivered to the stranger');

    // Its owner really changed keys: forgetting the pin lets the next call through (and pins anew).
    const pins = await (await h.services.load<IdentityStore>(IdentityStore)).knownPeers(peerFiles('sec-alice').knownPeers);
    assert.ok((await pins.list()).some((p) => p.subject === 'sec-bob' && p.pin === bob.identity.fingerprint));
    assert.equal(await pins.forget('sec-bob'), true);
    const again = await alice2.call('sec-bob');
    assert.equal(again.security?.remoteFingerprint, stranger.identity.fingerprint);
    await alice2.hangup(again.callId);
  });

  it('a callee enforces its own policy even when a (compromised) manager lets a caller through: no null packet, a clear refusal', async () => {
    // The manager rewrites every registered policy to "any": it would route any caller to anyone.
    createTapApi(h.hooks, 'compromised-manager').register.tap({ stage: 5000 }, (r, ctx) => (ctx.side === 'manager' ? { ...r, policy: { mode: 'any', allow: [], optimistic: false } } : r));
    const m = await manager();
    const carol = await peer('sec-carol', m, { policy: { mode: 'list', allow: ['sec-dave'], optimistic: false } });
    const mallory = await peer('sec-mallory', m);
    let nulls = 0;
    const count = mallory.media.socket.onDatagram(() => nulls++);
    await assert.rejects(mallory.call('sec-carol'), (e: PinholeError) => e.code === 'E_NOT_ALLOWED' && /--allow sec-mallory/.test(e.message));
    count.dispose();
    assert.equal(nulls, 0, 'carol sent nothing toward mallory');
    assert.equal(carol.registered, true);
  });

  it('--insecure on every end: plain control channel, unencrypted sessions, and the call works (for debugging); a mismatch fails clearly', async () => {
    const m = await manager({ insecure: true });
    assert.equal(m.address().tls, undefined);
    const plain = { insecure: true, managerFingerprint: undefined };
    await peer('sec-ins-bob', m, plain);
    const alice = await peer('sec-ins-alice', m, plain);
    const call = await alice.call('sec-ins-bob');
    assert.equal(call.security, undefined, 'no handshake, no encryption');
    assert.ok((await call.session.ping()) >= 0);
    await alice.hangup(call.callId);
    const secure = await manager();
    await assert.rejects(peer('sec-ins-x', secure, plain), (e: PinholeError) => e.code === 'E_MANAGER_UNREACHABLE' && /drop --insecure/.test(e.message));
  });
});

describe('security: no reflection through a callee', function () {
  this.timeout(30000);

  it('CallRequests for a caller that registered 16 made-up candidates: third parties get at most 3 bytes per byte the attacker sent', async () => {
    const h = await host();
    const m = await (await h.services.load<ManagerServerFactory>(ManagerServerFactory)).start({ host: '127.0.0.1', port: 0, udpHost: '127.0.0.1', udpPort: 0 });
    const victims: dgram.Socket[] = [];
    let victimBytes = 0;
    let victimDatagrams = 0;
    for (let i = 0; i < 16; i++) {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      // What crossed the wire to the third party: payload + UDP (8) + IPv4 (20) headers.
      s.on('message', (d) => ((victimBytes += d.length + 28), victimDatagrams++));
      victims.push(s);
    }
    const callee = (await (await h.services.load<PeerClientFactory>(PeerClientFactory)).create(peerOptions('refl-callee', m))) as ManagerPeerClient;
    await callee.start();
    // The attacker speaks the raw protocol over TLS, as any peer, and claims the victims' addresses.
    const attacker = await RawPeer.tcp(m.address().tcp.port, '127.0.0.1', { rejectUnauthorized: false });
    await attacker.register('refl-attacker', { key: new TestKey(), candidates: victims.map((v) => ({ address: '127.0.0.1', port: v.address().port, kind: 1 /* claims "reflexive" */ })) });
    const CALLS = 8;
    let attackerBytes = 0;
    for (let i = 0; i < CALLS; i++) {
      const msg = { callRequest: { callId: `refl-${i}`, calleeId: 'refl-callee' } };
      attacker.send(msg);
      // A lower bound of what that put on the wire (so the ratio is an upper bound): the frame, one
      // TLS 1.3 record's overhead (5-byte header, content type, 16-byte tag) and a TCP/IPv4 header.
      attackerBytes += encodeFrame(encodeControl(msg)).length + 22 + 40;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1500)); // every repeat a callee would send has gone out
    const ratio = victimBytes / attackerBytes;
    console.log(`      reflection: ${CALLS} calls, attacker ${attackerBytes} B on the wire, third parties ${victimBytes} B in ${victimDatagrams} datagrams: ${ratio.toFixed(2)} B per attacker byte`);
    assert.ok(victimDatagrams <= CALLS * 2, `at most 2 reported addresses get one null packet per call (${victimDatagrams})`);
    assert.ok(ratio <= 3, `ratio ${ratio.toFixed(2)} over the goal of 3 (QUIC's anti-amplification bound)`);
    attacker.close();
    await callee.close();
    await m.close();
    for (const v of victims) v.close();
    await h.dispose();
  });
});
