import { strict as assert } from 'assert';
import { publicKeyText, type CallPolicyMsg } from '@pinhole/core';
import { silentDirectory, testManager, rawPeerPool, TestKey } from '../../helpers/manager';

type Manager = Awaited<ReturnType<typeof testManager>>;
/** CallPolicy.Mode on the wire. */
const ANY: CallPolicyMsg = { mode: 2 };

describe('manager-server: call control (spec Figure 6)', () => {
  let m: Manager;
  let extra: Manager | undefined;
  const pool = rawPeerPool(() => m.address().tcp.port);
  /** A raw peer that takes calls from anyone unless given another policy. */
  const peer = async (id: string, port = 40000, mgr = m, policy: CallPolicyMsg = ANY, key = new TestKey()) => {
    const p = await pool.tcp(mgr.address().tcp.port);
    await p.register(id, { key, candidates: [{ address: '127.0.0.1', port, kind: 0 }], policy });
    return p;
  };
  afterEach(async () => {
    pool.closeAll();
    await extra?.close();
    extra = undefined;
    await m?.close();
  });

  it('CallRequest → OpenWindow to the callee → WindowOpened → Ready to the caller, same endpoint ids; Hangup is relayed', async () => {
    m = await testManager();
    const a = await peer('alice', 41000);
    const b = await peer('bob', 42000);
    await m.directory.update('bob', { reflexive: { address: '203.0.113.7', port: 6000, kind: 'reflexive' } });
    a.send({ callRequest: { callId: 'c1', calleeId: 'bob', payloadTypes: [] } });
    const ow = (await b.next('openWindow')).openWindow!;
    assert.equal(ow.callId, 'c1');
    assert.equal(ow.callerId, 'alice');
    assert.deepEqual(ow.callerCandidates!.map((c) => [c.address, c.port]), [['127.0.0.1', 41000]]);
    assert.ok(ow.callerEndpoint > 0 && ow.calleeEndpoint > 0 && ow.callerEndpoint !== ow.calleeEndpoint);
    assert.equal(a.received.length, 0, 'nothing for the caller until the window is open');
    b.send({ windowOpened: { callId: 'c1', nullPackets: 1 } });
    const ready = (await a.next('ready')).ready!;
    assert.equal(ready.calleeId, 'bob');
    assert.deepEqual(
      ready.calleeCandidates!.map((c) => [c.address, c.port, c.kind]),
      [['203.0.113.7', 6000, 1], ['127.0.0.1', 42000, 0]],
      'reflexive first, then host candidates',
    );
    assert.deepEqual([ready.callerEndpoint, ready.calleeEndpoint], [ow.callerEndpoint, ow.calleeEndpoint]);
    assert.deepEqual(Buffer.from(ow.callerKey!), Buffer.from(a.key!.publicKey), 'the callee learns the caller\'s proven key');
    assert.deepEqual(Buffer.from(ready.calleeKey!), Buffer.from(b.key!.publicKey), 'the caller learns the callee\'s proven key');
    assert.equal(m.stats().callLegs, 2);
    a.send({ hangup: { callId: 'c1', reason: 'bye' } });
    assert.deepEqual((await b.next('hangup')).hangup, { callId: 'c1', reason: 'bye' });
    assert.equal(m.stats().callLegs, 0);
  });

  it("a second WindowOpened (the callee's relay, allocated after the first) reaches the caller once; empty ones and repeats are dropped", async () => {
    m = await testManager();
    const a = await peer('alice', 41000);
    const b = await peer('bob', 42000);
    a.send({ callRequest: { callId: 'late1', calleeId: 'bob', payloadTypes: [] } });
    await b.next('openWindow');
    b.send({ windowOpened: { callId: 'late1', nullPackets: 1 } });
    assert.deepEqual((await a.next('ready')).ready!.calleeCandidates!.filter((c) => c.kind === 2), [], 'no relayed address yet');
    b.send({ windowOpened: { callId: 'late1', candidates: [] } });
    b.send({ windowOpened: { callId: 'late1', candidates: [{ address: '198.51.100.9', port: 3000, kind: 2 }] } });
    const late = (await a.next('windowOpened')).windowOpened!;
    assert.deepEqual(late.candidates!.map((c) => [c.address, c.port, c.kind]), [['198.51.100.9', 3000, 2]]);
    b.send({ windowOpened: { callId: 'late1', candidates: [{ address: '198.51.100.9', port: 3001, kind: 2 }] } });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(a.received.filter((x) => x.kind === 'windowOpened').length, 0, 'only one follow-up is relayed');
    assert.equal(m.stats().callLegs, 2, 'the call goes on');
  });

  it('optimistic, when the callee opted in: Ready goes out at once (optimistic=true), WindowOpened follows to the caller', async () => {
    m = await testManager();
    const a = await peer('alice');
    const b = await peer('bob', 40000, m, { mode: 2, optimistic: true });
    a.send({ callRequest: { callId: 'o1', calleeId: 'bob', optimistic: true } as never });
    const ready = (await a.next('ready')).ready as { optimistic?: boolean; callerEndpoint: number };
    assert.equal(ready.optimistic, true);
    const ow = (await b.next('openWindow')).openWindow!;
    assert.equal(ow.callerEndpoint, ready.callerEndpoint);
    b.send({ windowOpened: { callId: 'o1', nullPackets: 2 } });
    assert.equal((await a.next('windowOpened')).windowOpened!.nullPackets, 2);
  });

  it('optimistic, when the callee did not opt in: no addresses before it confirms', async () => {
    m = await testManager();
    const a = await peer('alice');
    const b = await peer('bob');
    a.send({ callRequest: { callId: 'o2', calleeId: 'bob', optimistic: true } });
    await b.next('openWindow');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(a.received.filter((x) => x.kind === 'ready').length, 0, 'no early Ready');
    b.send({ windowOpened: { callId: 'o2' } });
    assert.equal((await a.next('ready')).ready!.optimistic, false);
  });

  it('E_PEER_UNAVAILABLE for a callee nobody registered, and the same refusal for one that does not allow the caller: no enumeration, no disturbance, no addresses', async () => {
    m = await testManager();
    const a = await peer('alice');
    const b = await peer('bob', 42000, m, { mode: 1, allow: ['carol'] });
    const silent = await peer('sam', 43000, m, {});
    const refusal = async (callee: string) => {
      a.send({ callRequest: { callId: `u-${callee}`, calleeId: callee } });
      return (await a.next('reject')).reject!;
    };
    const unknown = await refusal('nobody');
    assert.equal(unknown.code, 'E_PEER_UNAVAILABLE');
    assert.equal(unknown.callId, 'u-nobody');
    assert.match(unknown.reason!, /"nobody"/);
    assert.match(unknown.reason!, new RegExp(`--allow alice .*--allow ${a.key!.fingerprint}`), 'names the remedy and our fingerprint');
    for (const callee of ['bob', 'sam']) {
      const r = await refusal(callee);
      assert.equal(r.code, unknown.code);
      assert.equal(r.reason, unknown.reason!.replace('"nobody"', `"${callee}"`), 'word for word the unknown-peer refusal');
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(b.received.length + silent.received.length, 0, 'the callees never heard of it');
    assert.ok(!JSON.stringify(a.received).includes('42000') && !JSON.stringify(a.received).includes('43000'), 'no address of theirs reached the caller');
    assert.equal(m.stats()['calls.refusedByPolicy'], 2);
  });

  it('admits a caller allowed by name, by fingerprint or by key', async () => {
    m = await testManager();
    const keys = { byName: new TestKey(), byFp: new TestKey(), byKey: new TestKey() };
    const b = await peer('bob', 42000, m, { mode: 1, allow: ['byName', keys.byFp.fingerprint.toUpperCase(), publicKeyText(keys.byKey.publicKey)] });
    for (const [name, key] of Object.entries(keys)) {
      const caller = await peer(name, 41000, m, {}, key);
      caller.send({ callRequest: { callId: `ok-${name}`, calleeId: 'bob' } });
      assert.equal((await b.next('openWindow')).openWindow!.callerId, name);
      caller.send({ hangup: { callId: `ok-${name}` } });
    }
  });

  it('E_PEER_KEY_CHANGED when the caller pinned another key for the callee: nothing reaches the callee', async () => {
    m = await testManager();
    const a = await peer('alice');
    const b = await peer('bob');
    const pinned = new TestKey();
    a.send({ callRequest: { callId: 'k1', calleeId: 'bob', expectedCalleeKey: pinned.publicKey } });
    const r = (await a.next('reject')).reject!;
    assert.equal(r.code, 'E_PEER_KEY_CHANGED');
    assert.ok(r.reason!.includes(pinned.fingerprint) && r.reason!.includes(b.key!.fingerprint), 'both fingerprints');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(b.received.length, 0, 'the holder of the name heard nothing');
    a.send({ callRequest: { callId: 'k2', calleeId: 'bob', expectedCalleeKey: b.key!.publicKey } });
    assert.equal((await b.next('openWindow')).openWindow!.callId, 'k2', 'the right pin goes through');
  });

  it('rate-limits CallRequests per caller (E_RATE_LIMITED) without disturbing the callee', async () => {
    m = await testManager({ callsPerSecondPerPeer: 2 });
    const a = await peer('alice');
    await peer('bob');
    for (let i = 0; i < 8; i++) a.send({ callRequest: { callId: `r${i}`, calleeId: 'nobody' } });
    const codes = [];
    for (let i = 0; i < 8; i++) codes.push((await a.next('reject')).reject!.code);
    assert.ok(codes.filter((c) => c === 'E_RATE_LIMITED').length >= 3, `codes: ${codes.join(',')}`);
  });

  it('tells the callee to open its window toward the observed address and at most two reported ones, whatever the caller claims', async () => {
    m = await testManager();
    const a = await pool.tcp(m.address().tcp.port);
    const many = Array.from({ length: 16 }, (_, i) => ({ address: `198.51.100.${i + 1}`, port: 5000 + i, kind: 0 }));
    await a.register('liar', { candidates: many });
    await m.directory.update('liar', { reflexive: { address: '203.0.113.9', port: 7000, kind: 'reflexive' } });
    const b = await peer('bob');
    a.send({ callRequest: { callId: 'l1', calleeId: 'bob' } });
    const ow = (await b.next('openWindow')).openWindow!;
    assert.deepEqual(ow.callerCandidates!.map((c) => `${c.address}:${c.port}`), ['203.0.113.9:7000', '198.51.100.1:5000', '198.51.100.2:5001']);
  });

  it('E_BUSY when the callee is at its call limit', async () => {
    m = await testManager({ maxCallsPerPeer: 1 });
    const a = await peer('alice');
    const b = await peer('bob');
    const c = await peer('carol');
    a.send({ callRequest: { callId: 'b1', calleeId: 'bob' } });
    await b.next('openWindow');
    b.send({ windowOpened: { callId: 'b1' } });
    await a.next('ready');
    c.send({ callRequest: { callId: 'b2', calleeId: 'bob' } });
    const r = (await c.next('reject')).reject!;
    assert.equal(r.code, 'E_BUSY');
    assert.equal(b.received.filter((x) => x.kind === 'openWindow').length, 0, 'the busy callee is not disturbed');
    a.send({ hangup: { callId: 'b1' } });
    await b.next('hangup');
    c.send({ callRequest: { callId: 'b3', calleeId: 'bob' } });
    assert.equal((await b.next('openWindow')).openWindow!.callerId, 'carol', 'free again after the hangup');
  });

  it('E_CALL_TIMEOUT to the caller and Hangup to the callee when no WindowOpened comes', async () => {
    m = await testManager({ callTimeoutMs: 150 });
    const a = await peer('alice');
    const b = await peer('bob');
    a.send({ callRequest: { callId: 't1', calleeId: 'bob' } });
    await b.next('openWindow');
    const r = (await a.next('reject', 1000)).reject!;
    assert.equal(r.code, 'E_CALL_TIMEOUT');
    assert.match(r.reason!, /150 ms/);
    assert.equal((await b.next('hangup')).hangup!.callId, 't1');
    assert.equal(m.stats().callLegs, 0);
    b.send({ windowOpened: { callId: 't1' } });
    const late = (await b.next('error')).error!;
    assert.equal(late.code, 'E_CALL_UNKNOWN', 'a late WindowOpened is an ordinary race: noticed, not fatal');
    assert.equal(late.fatal, false);
  });

  it("the callee's Reject is relayed to the caller with its code", async () => {
    m = await testManager();
    const a = await peer('alice');
    const b = await peer('bob');
    a.send({ callRequest: { callId: 'r1', calleeId: 'bob' } });
    await b.next('openWindow');
    b.send({ reject: { callId: 'r1', code: 'E_DO_NOT_DISTURB', reason: 'in a meeting' } });
    assert.deepEqual((await a.next('reject')).reject, { callId: 'r1', code: 'E_DO_NOT_DISTURB', reason: 'in a meeting' });
  });

  it('a callee that disconnects during setup gives the caller E_PEER_GONE', async () => {
    m = await testManager();
    const a = await peer('alice');
    const b = await peer('bob');
    a.send({ callRequest: { callId: 'g1', calleeId: 'bob' } });
    await b.next('openWindow');
    b.close();
    assert.equal((await a.next('reject')).reject!.code, 'E_PEER_GONE');
  });

  it('an established call outlives a dropped control connection: the peer may come back and hang up, else the other side hears after expiryMs', async () => {
    m = await testManager({ expiryMs: 300, limits: { idleTimeoutMs: 10000 } });
    const a = await pool.tcp(m.address().tcp.port);
    const aliceKey = new TestKey();
    await a.register('alice', { key: aliceKey });
    const c = await peer('carol');
    let seq = 0;
    let caller = a;
    const alive = setInterval(() => [c, caller].forEach((p) => p.ended || p.send({ keepAlive: { seq: ++seq } })), 80);
    try {
      const call = async (callId: string) => {
        caller.send({ callRequest: { callId, calleeId: 'carol' } });
        await c.next('openWindow');
        c.send({ windowOpened: { callId } });
      };
      await call('g2');
      await a.next('ready');
      a.close();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(c.received.filter((x) => x.kind === 'hangup').length, 0, 'no Hangup: the media path does not need the manager');
      const back = await pool.tcp(m.address().tcp.port);
      await back.register('alice', { key: aliceKey });
      caller = back;
      back.send({ hangup: { callId: 'g2', reason: 'later' } });
      assert.equal((await c.next('hangup')).hangup!.reason, 'later', 'the reconnected peer hangs up its old call');

      await call('g3');
      await back.next('ready');
      const started = Date.now();
      back.close();
      const h = (await c.next('hangup', 2000)).hangup!;
      assert.equal(h.callId, 'g3');
      assert.match(h.reason!, /did not come back within 300 ms/);
      assert.ok(Date.now() - started >= 250);
    } finally {
      clearInterval(alive);
    }
  });

  it('WindowOpened for a call that is not yours closes the connection (E_CALL_NOT_YOURS); the call goes on', async () => {
    m = await testManager();
    const a = await peer('alice');
    const b = await peer('bob');
    const mallory = await peer('mallory');
    a.send({ callRequest: { callId: 'n1', calleeId: 'bob' } });
    await b.next('openWindow');
    mallory.send({ windowOpened: { callId: 'n1' } });
    assert.equal((await mallory.next('error')).error!.code, 'E_CALL_NOT_YOURS');
    await mallory.closed;
    assert.equal(a.received.length, 0);
    b.send({ windowOpened: { callId: 'n1' } });
    await a.next('ready');
  });

  it('the caller cannot answer its own call (E_OUT_OF_ORDER) nor call itself (E_CALL_SELF)', async () => {
    m = await testManager();
    const a = await peer('alice');
    await peer('bob');
    a.send({ callRequest: { callId: 's1', calleeId: 'alice' } });
    assert.equal((await a.next('reject')).reject!.code, 'E_CALL_SELF');
    a.send({ callRequest: { callId: 's2', calleeId: 'bob' } });
    a.send({ windowOpened: { callId: 's2' } });
    assert.equal((await a.next('error')).error!.code, 'E_OUT_OF_ORDER');
    await a.closed;
  });

  it('routes a call across two manager nodes sharing one directory (publish/subscribe)', async () => {
    const shared = silentDirectory();
    m = await testManager({ directory: shared });
    extra = await testManager({ directory: shared.connect() });
    assert.notEqual(m.nodeId, extra.nodeId);
    const a = await peer('alice', 41000, m);
    const b = await peer('bob', 42000, extra);
    a.send({ callRequest: { callId: 'x1', calleeId: 'bob' } });
    const ow = (await b.next('openWindow')).openWindow!;
    assert.deepEqual(ow.callerCandidates!.map((c) => c.port), [41000]);
    b.send({ windowOpened: { callId: 'x1' } });
    const ready = (await a.next('ready')).ready!;
    assert.deepEqual(ready.calleeCandidates!.map((c) => c.port), [42000]);
    assert.equal(ready.calleeEndpoint, ow.calleeEndpoint);
    b.send({ hangup: { callId: 'x1', reason: 'done' } });
    assert.equal((await a.next('hangup')).hangup!.reason, 'done');
    assert.ok(m.stats()['calls.routedOut'] >= 1 && extra.stats()['calls.routedIn'] >= 1);
  });

  it('a re-registration on another node closes the old connection on the first (E_REPLACED)', async () => {
    const shared = silentDirectory();
    m = await testManager({ directory: shared });
    extra = await testManager({ directory: shared.connect() });
    const old = await pool.tcp(m.address().tcp.port);
    const key = new TestKey();
    await old.register('roamer', { key });
    const moved = await pool.tcp(extra.address().tcp.port);
    await moved.register('roamer', { key });
    assert.equal((await old.next('error')).error!.code, 'E_REPLACED');
    await old.closed;
    assert.equal((await shared.get('roamer'))!.node, extra.nodeId);
  });
});
