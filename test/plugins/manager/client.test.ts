import { strict as assert } from 'assert';
import { SignalError, type ManagerServer, type PeerClient } from '@pinhole/core';
import { createTapApi, Host } from '@pinhole/core/host';
import { until } from '../../helpers/manager';
import { at, client, exchange, manager, nextIncoming, peerHost } from '../../helpers/peer-host';

describe('manager-client: registration and calls through a real manager, media-udp and punch-null-udp', function () {
  this.timeout(10000);
  let hostA: Awaited<ReturnType<typeof peerHost>>;
  let hostB: Awaited<ReturnType<typeof peerHost>>;
  let mgr: ManagerServer;
  const clients: PeerClient[] = [];
  const make = async (h: Host, id: string, where = at(mgr)) => {
    const c = await client(h, id, mgr, where);
    clients.push(c);
    return c;
  };
  beforeEach(async () => {
    hostA = await peerHost();
    hostB = await peerHost();
    mgr = await manager(hostA.host);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await mgr.close();
    await hostA.host.dispose();
    await hostB.host.dispose();
  });

  for (const transport of ['tcp', 'ws'] as const) {
    it(`registers over ${transport === 'tcp' ? 'raw TCP' : 'WebSocket'} (reflexive address from the STUN probe) and sets up a direct call`, async () => {
      const where = transport === 'tcp' ? at(mgr) : `wss://${at(mgr)}/`;
      const alice = await make(hostA.host, 'alice', where);
      const bob = await make(hostB.host, 'bob', where);
      const ra = await alice.start();
      const rb = await bob.start();
      assert.deepEqual(ra.reflexive, { address: '127.0.0.1', port: alice.media.socket.localPort, kind: 'reflexive' });
      assert.deepEqual(rb.candidates, [{ address: '127.0.0.1', port: bob.media.socket.localPort, kind: 'host' }]);
      const registered = hostB.events.find((e) => e.event === 'peer.registered')!;
      assert.equal(registered.id, 'bob');
      assert.equal(registered.transport, transport);
      assert.equal(registered.reflexive, `127.0.0.1:${bob.media.socket.localPort}`);

      const incoming = nextIncoming(bob);
      const call = await alice.call('bob');
      const answered = await incoming;
      assert.equal(call.role, 'caller');
      assert.equal(call.remotePeerId, 'bob');
      assert.equal(call.window.strategy, 'null-udp');
      assert.equal(call.window.path, 'direct');
      assert.deepEqual(call.session.params.remote, { address: '127.0.0.1', port: bob.media.socket.localPort });
      assert.equal(answered.callId, call.callId);
      assert.equal(answered.remotePeerId, 'alice');
      assert.equal(answered.window.detail!.nullPackets, 1, 'bob sent the null packet to alice');
      assert.equal(call.security?.pattern, 'IK', 'the caller knew bob\'s key: one round trip');
      assert.equal(call.security?.remoteFingerprint, bob.identity.fingerprint, 'alice authenticated bob\'s key');
      assert.equal(answered.security?.remoteFingerprint, alice.identity.fingerprint, 'bob authenticated alice\'s key');
      assert.equal(call.session.params.localEndpoint, answered.session.params.remoteEndpoint);
      for (const k of ['callRequest', 'ready', 'windowOpen', 'session']) assert.equal(typeof call.timeline[k], 'number', `caller timeline has ${k}`);
      for (const k of ['openWindow', 'windowOpen', 'windowOpened', 'firstDatagram']) assert.equal(typeof answered.timeline[k], 'number', `callee timeline has ${k}`);
      assert.ok(call.timeline.callRequest <= call.timeline.ready && call.timeline.ready <= call.timeline.windowOpen);
      assert.ok(call.setupMs > 0 && call.setupMs < 2000);

      await exchange(call, answered);
      assert.ok((await call.session.ping()) < 500);
      const ended = new Promise((resolve) => bob.on('ended', resolve));
      await alice.hangup(call.callId, 'done');
      assert.deepEqual(await ended.then((e) => (e as { reason: string; established: boolean }).established), true);
      await until(() => mgr.stats().callLegs === 0, 1000, 'the manager freed both legs');
    });
  }

  it('optimistic: Ready comes before the callee confirms, and the call still connects', async () => {
    const alice = await make(hostA.host, 'alice');
    const bob = await make(hostB.host, 'bob');
    await alice.start();
    await bob.start();
    const incoming = nextIncoming(bob);
    const call = await alice.call('bob', { optimistic: true });
    await exchange(call, await incoming);
    assert.ok(call.timeline.ready <= call.timeline.windowOpen);
  });

  it('notify observers see every manager message by kind (openWindow on the callee, ready on the caller)', async () => {
    const seen: string[] = [];
    createTapApi(hostA.host.hooks, 'observer-a').notify.for('ready').tap({}, (n) => void seen.push(`a:${n.kind}:${typeof n.callId}`));
    createTapApi(hostB.host.hooks, 'observer-b').notify.for('openWindow').tap({}, (n) => void seen.push(`b:${n.kind}:${(n.body as { callerId: string }).callerId}`));
    createTapApi(hostB.host.hooks, 'observer-b').notify.for('hangup').tap({}, (n) => void seen.push(`b:${n.kind}`));
    const alice = await make(hostA.host, 'alice');
    const bob = await make(hostB.host, 'bob');
    await alice.start();
    await bob.start();
    const call = await alice.call('bob');
    await alice.hangup(call.callId);
    await until(() => seen.includes('b:hangup'), 1000, 'hangup observed');
    assert.deepEqual(seen, ['b:openWindow:alice', 'a:ready:string', 'b:hangup']);
  });

  it('refusals reach the caller as SignalErrors with the manager code: E_PEER_UNAVAILABLE, a callee Reject, E_BUSY', async () => {
    await mgr.close();
    mgr = await manager(hostA.host, { maxCallsPerPeer: 1 });
    const alice = await make(hostA.host, 'alice');
    const bob = await make(hostB.host, 'bob');
    const carol = await make(hostA.host, 'carol');
    await Promise.all([alice.start(), bob.start(), carol.start()]);
    await assert.rejects(alice.call('nobody'), (e: SignalError) => e.code === 'E_PEER_UNAVAILABLE' && /nobody/.test(e.message) && /--allow alice/.test(e.message));

    const dnd = createTapApi(hostB.host.hooks, 'do-not-disturb').notify.for('openWindow').tap({}, () => {
      throw new SignalError('E_DO_NOT_DISTURB', 'bob is in a meeting');
    });
    await assert.rejects(alice.call('bob'), (e: SignalError) => e.code === 'E_DO_NOT_DISTURB' && /meeting/.test(e.message));
    dnd.dispose();

    const ok = await alice.call('bob');
    await assert.rejects(carol.call('bob'), (e: SignalError) => e.code === 'E_BUSY' && /maxCallsPerPeer 1/.test(e.message));
    await alice.hangup(ok.callId);
    await until(() => mgr.stats().callLegs === 0, 1000, 'legs freed');
    const later = await carol.call('bob');
    await carol.hangup(later.callId);
  });

  it('E_NO_STRATEGY when no punch plugin answers openWindow, naming the fix', async () => {
    const bare = await peerHost({ punch: false });
    try {
      const alice = await make(hostA.host, 'alice');
      const bob = await make(bare.host, 'bob');
      const carol = await make(bare.host, 'carol');
      await Promise.all([alice.start(), bob.start(), carol.start()]);
      // Callee without a strategy: it rejects, the caller hears its code.
      await assert.rejects(alice.call('bob'), (e: SignalError) => e.code === 'E_NO_STRATEGY' && /punch-null-udp/.test(e.message));
      // Caller without a strategy fails on its own side.
      await assert.rejects(carol.call('alice'), (e: SignalError) => e.code === 'E_NO_STRATEGY' && /enable a punch plugin/.test(e.message));
      await until(() => mgr.stats().callLegs === 0, 1000, 'the failed call was hung up at the manager');
    } finally {
      for (const c of clients.splice(2)) await c.close();
      await bare.host.dispose();
    }
  });

  it("the caller's window timeout (callee unreachable) fails with the strategy's code, and the callee's call ends", async () => {
    const alice = await make(hostA.host, 'alice');
    const bob = await make(hostB.host, 'bob');
    await alice.start();
    await bob.start();
    // As if bob's firewall dropped everything: alice's strategy aims at a port nobody answers on.
    createTapApi(hostA.host.hooks, 'dead-path').openWindow.for('null-udp').tap({ stage: -1 }, (req) => {
      if (req.role === 'caller') req.remoteCandidates = [{ address: '127.0.0.1', port: 9, kind: 'reflexive' }];
      return undefined;
    });
    const bobEnded = new Promise<{ received: number; established: boolean }>((resolve) => bob.on('ended', resolve));
    await assert.rejects(alice.call('bob'), (e: SignalError) => e.code === 'E_WINDOW_TIMEOUT' && /127\.0\.0\.1:9/.test(e.message));
    const ended = await bobEnded;
    assert.equal(ended.established, false, "bob's window was open, but alice's handshake never reached it: no session");
    assert.equal(ended.received, 0, 'nothing from alice arrived');
    await until(() => mgr.stats().callLegs === 0, 1000, 'the manager freed both legs');
  });

  it('keeps the registration alive with keep-alives past the expiry time', async () => {
    await mgr.close();
    mgr = await manager(hostA.host, { keepaliveMs: 40, expiryMs: 150 });
    const alice = await make(hostA.host, 'alice');
    await alice.start();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(alice.registered, true);
    assert.equal(mgr.stats().expired, 0);
    assert.equal(mgr.stats().peers, 1);
  });

  it('a peer replaced by a re-registration with its key does not reconnect (no tug of war)', async () => {
    const first = await client(hostA.host, 'dup', mgr);
    clients.push(first);
    await first.start();
    const second = await client(hostB.host, 'dup', mgr);
    clients.push(second);
    await second.start();
    await until(() => !first.registered, 1000, 'the first was replaced');
    const gone = hostA.events.find((e) => e.event === 'peer.disconnected')!;
    assert.match(String(gone.reason), /^E_REPLACED/);
    assert.equal(gone.reconnect, false);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(second.registered, true);
    assert.equal(hostA.events.filter((e) => e.event === 'peer.registered').length, 1, 'the first stayed away');
  });

  it('reconnects after the manager restarts on the same port, re-registers, and calls again; live sessions survive the outage', async () => {
    const alice = await make(hostA.host, 'alice');
    const bob = await make(hostB.host, 'bob');
    await alice.start();
    await bob.start();
    const incoming = nextIncoming(bob);
    const call = await alice.call('bob');
    await incoming;
    const { tcp, udp } = mgr.address();
    await mgr.close();
    await until(() => !alice.registered && !bob.registered, 2000, 'both saw the manager go');
    assert.ok(hostA.events.some((e) => e.event === 'peer.disconnected' && e.id === 'alice' && e.reconnect === true));
    assert.ok((await call.session.ping()) < 500, 'the direct session does not need the manager');

    mgr = await manager(hostA.host, { port: tcp.port, udpPort: udp.port });
    await until(() => alice.registered && bob.registered, 3000, 'both re-registered');
    const again = hostB.events.filter((e) => e.event === 'peer.registered');
    assert.equal(again.length, 2);
    assert.equal(again[1].reconnected, true);
    assert.equal(mgr.stats().peers, 2);
    const second = await alice.call('bob');
    assert.equal(second.remotePeerId, 'bob');
    await alice.hangup(second.callId);
    await alice.hangup(call.callId);
  });
});
