import { strict as assert } from 'assert';
import * as http from 'http';
import { createHooks, publicKeyText, SignalError } from '@pinhole/core';
import { createTapApi } from '@pinhole/core/host';
import { testManager, until, rawPeerPool, TestKey } from '../../helpers/manager';

type Manager = Awaited<ReturnType<typeof testManager>>;
const tcpOf = (m: Manager) => m.address().tcp.port;
const wsOf = (m: Manager) => `ws://127.0.0.1:${m.address().tcp.port}/`;

describe('manager-server: registration', () => {
  let m: Manager;
  const pool = rawPeerPool(() => tcpOf(m));
  const tcp = () => pool.tcp();
  const ws = () => pool.ws(wsOf(m));
  afterEach(async () => {
    pool.closeAll();
    await m?.close();
  });

  it('speaks first (Hello with a fresh 32-byte nonce per connection); a key-signed Register gets Registered with timers, the STUN port and a probe token; the directory has the record and the binding', async () => {
    m = await testManager({ keepaliveMs: 1234, expiryMs: 5678 });
    const a = await tcp();
    const other = await tcp();
    const nonce = await a.challenge();
    assert.equal(nonce.length, 32);
    assert.notDeepEqual(await other.challenge(), nonce, 'a fresh nonce per connection');
    const key = new TestKey();
    const reg = await a.register('alice', { key, payloadTypes: ['voice'], meta: { app: 'test' } });
    assert.equal(reg.peerId, 'alice');
    assert.equal((reg as Record<string, unknown>).secret, undefined, 'no shared secret any more');
    assert.equal(reg.keepaliveMs, 1234);
    assert.equal(reg.expiryMs, 5678);
    assert.equal(reg.stunPort, m.address().udp.port);
    assert.match(reg.probeToken ?? '', /^[0-9a-f]{32}$/);
    assert.equal(reg.stunAltPort, m.address().stunAlternate!.port, 'the STUN alternate port, so the NAT mapping test need not wait for a first answer');
    assert.ok(!reg.stunAltAddress, 'one address: no alternate address');
    const rec = await m.directory.get('alice');
    assert.ok(rec);
    assert.equal(rec.node, m.nodeId);
    assert.equal(rec.publicKey, publicKeyText(key.publicKey), 'the proven key is stored');
    assert.equal(await m.directory.binding('alice'), publicKeyText(key.publicKey), 'the name is bound to it');
    assert.deepEqual(rec.policy, { mode: 'none', allow: [], optimistic: false }, 'no policy given: takes no calls');
    assert.deepEqual(rec.candidates, [{ address: '127.0.0.1', port: 40000, kind: 'host' }]);
    assert.deepEqual(rec.payloadTypes, ['voice']);
    assert.deepEqual(rec.meta, { app: 'test' });
  });

  it('ends the registration at once on Bye; the name stays bound to its key (others get E_ID_TAKEN, the key comes back at once)', async () => {
    m = await testManager();
    const a = await tcp();
    const key = new TestKey();
    await a.register('leaver', { key });
    a.send({ bye: { reason: 'done' } });
    await until(async () => !(await m.directory.get('leaver')), 2000, 'record removed');
    await assert.rejects((await tcp()).register('leaver'), { code: 'E_ID_TAKEN' });
    assert.equal((await (await tcp()).register('leaver', { key })).peerId, 'leaver', 'the same key re-registers at once');
  });

  it('a crashed peer (connection dropped, record still live) re-registers at once with its key: no lockout', async () => {
    m = await testManager({ expiryMs: 60_000 });
    const key = new TestKey();
    const a = await tcp();
    await a.register('crasher', { key });
    a.close();
    const t0 = Date.now();
    const back = await tcp();
    assert.equal((await back.register('crasher', { key })).peerId, 'crasher');
    assert.ok(Date.now() - t0 < 1000, 'no waiting for the old record to expire');
  });

  it('registers over WebSocket on the same port (one binary message per envelope)', async () => {
    m = await testManager();
    const a = await ws();
    const reg = await a.register('wsalice');
    assert.equal(reg.peerId, 'wsalice');
    a.send({ keepAlive: { seq: 7 } });
    assert.equal(Number((await a.next('keepAliveAck')).keepAliveAck!.seq), 7);
    assert.equal(m.stats().peers, 1);
    const b = await tcp();
    await b.register('tcpbob');
    assert.equal(m.stats().peers, 2, 'TCP and WebSocket peers share one port and one table');
  });

  it('answers a plain HTTP request without the admin token with 401 (the operator\'s side shares the port)', async () => {
    m = await testManager();
    const res = await new Promise<{ status: number; body: string; auth?: string }>((resolve, reject) =>
      http.get(`http://127.0.0.1:${tcpOf(m)}/metrics`, (r) => {
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode!, body, auth: r.headers['www-authenticate'] }));
      }).on('error', reject),
    );
    assert.equal(res.status, 401);
    assert.match(String(res.auth), /^Bearer/);
    assert.match(res.body, /Authorization: Bearer TOKEN/);
  });

  it('acks keep-alives and keeps a peer that sends them past the expiry time', async () => {
    m = await testManager({ keepaliveMs: 50, expiryMs: 200 });
    const a = await tcp();
    await a.register('steady');
    for (let i = 1; i <= 6; i++) {
      await new Promise((r) => setTimeout(r, 60));
      a.send({ keepAlive: { seq: i } });
      assert.equal(Number((await a.next('keepAliveAck')).keepAliveAck!.seq), i);
    }
    assert.ok(await m.directory.get('steady'), 'still registered after 360 ms with a 200 ms expiry');
    assert.equal(a.ended, false);
  });

  it('expires a silent peer: E_EXPIRED, connection closed, record gone, and the id is free again', async () => {
    m = await testManager({ keepaliveMs: 50, expiryMs: 150, limits: { idleTimeoutMs: 10000 } });
    const a = await tcp();
    await a.register('sleepy');
    const err = await a.next('error', 1500);
    assert.equal(err.error!.code, 'E_EXPIRED');
    assert.equal(err.error!.fatal, true);
    await a.closed;
    assert.equal(await m.directory.get('sleepy'), undefined);
    assert.equal(m.stats().expired, 1);
    await assert.rejects((await tcp()).register('sleepy'), { code: 'E_ID_TAKEN' }, 'the name outlives the registration: it stays bound to its key');
  });
});

describe('manager-server: registration refusals', () => {
  let m: Manager;
  const pool = rawPeerPool(() => tcpOf(m));
  const tcp = () => pool.tcp();
  afterEach(async () => {
    pool.closeAll();
    await m?.close();
  });

  it('E_ID_TAKEN: a name bound to one key is refused to another, naming both fingerprints and the remedy', async () => {
    m = await testManager();
    const owner = new TestKey();
    await (await tcp()).register('carol', { key: owner });
    const b = await tcp();
    const intruder = new TestKey();
    await assert.rejects(
      b.register('carol', { key: intruder }),
      (e: { code: string; message: string }) =>
        e.code === 'E_ID_TAKEN' && e.message.includes(owner.fingerprint) && e.message.includes(intruder.fingerprint) && /--identity/.test(e.message),
    );
    await b.closed;
  });

  it('refuses a registration whose signature does not check out: wrong key, another connection\'s nonce, altered fields, none at all', async () => {
    m = await testManager();
    const key = new TestKey();
    const wrong = await tcp();
    await assert.rejects(wrong.register('eve', { key, signature: new TestKey().sign(await wrong.challenge()) }), { code: 'E_REGISTER_AUTH' });
    // A registration signed for one connection, replayed on another (whose nonce differs).
    const first = await tcp();
    const nonce = await first.challenge();
    const other = await tcp();
    const msg = { peerId: 'eve', protocolVersion: 2, candidates: [{ address: '127.0.0.1', port: 40000, kind: 0 }], publicKey: key.publicKey };
    const { registrationDigest, fromCandidateMsg, fromPolicyMsg } = await import('@pinhole/core');
    const signature = key.sign(registrationDigest(nonce, { ...msg, candidates: msg.candidates.map(fromCandidateMsg), payloadTypes: [], meta: {}, identity: { publicKey: key.publicKey }, policy: fromPolicyMsg(undefined) }));
    await assert.rejects(other.register('eve', { key, signature }), { code: 'E_REGISTER_AUTH' });
    // The same signature on its own connection, but with a field changed after signing.
    await assert.rejects(first.register('eve', { key, signature, payloadTypes: ['voice'] }), { code: 'E_REGISTER_AUTH' });
    await assert.rejects((await tcp()).register('eve', { key, sign: false }), { code: 'E_REGISTER_INVALID' });
    assert.equal(await m.directory.get('eve'), undefined);
  });

  it('a re-registration with the same key succeeds and closes the old connection with E_REPLACED', async () => {
    m = await testManager();
    const key = new TestKey();
    const a = await tcp();
    const first = await a.register('dave', { key });
    const b = await tcp();
    const again = await b.register('dave', { key });
    assert.equal(again.peerId, 'dave');
    assert.notEqual(again.probeToken, first.probeToken, 'a new probe token per registration');
    assert.equal((await a.next('error')).error!.code, 'E_REPLACED');
    await a.closed;
    b.send({ keepAlive: { seq: 1 } });
    await b.next('keepAliveAck');
    assert.equal(m.stats().peers, 1);
  });

  it('the key holder may reclaim its name after its connection dropped (spec ¶40), others may not', async () => {
    m = await testManager();
    const key = new TestKey();
    const a = await tcp();
    await a.register('erin', { key });
    a.close();
    await a.closed;
    const thief = await tcp();
    await assert.rejects(thief.register('erin'), { code: 'E_ID_TAKEN' });
    const back = await tcp();
    assert.equal((await back.register('erin', { key })).peerId, 'erin');
  });

  it('a manager restarted on a persisted directory keeps every name bound to its key', async () => {
    const { MemoryDirectory } = await import('@pinhole/directory-memory');
    const directory = MemoryDirectory.create(() => undefined);
    const key = new TestKey();
    m = await testManager({ directory });
    await (await tcp()).register('persisted', { key });
    await m.close();
    m = await testManager({ directory });
    await assert.rejects((await tcp()).register('persisted'), { code: 'E_ID_TAKEN' });
    assert.equal((await (await tcp()).register('persisted', { key })).peerId, 'persisted');
    await directory.close();
  });

  it('E_PROTOCOL_VERSION names both versions', async () => {
    m = await testManager();
    const a = await tcp();
    await assert.rejects(a.register('frank', { protocolVersion: 99 }), (e: { code: string; message: string }) => e.code === 'E_PROTOCOL_VERSION' && /99/.test(e.message) && /version 2/.test(e.message));
    await a.closed;
  });

  it('a register hook tap refuses by throwing; its error code reaches the peer', async () => {
    const hooks = createHooks();
    const seen: unknown[] = [];
    createTapApi(hooks, 'test-auth').register.tap({}, (reg, ctx) => {
      seen.push(ctx);
      if (reg.meta.token !== 'letmein') throw new SignalError('E_AUTH', 'token missing or wrong; set meta.token');
      return { ...reg, meta: { ...reg.meta, admittedBy: 'test-auth' } };
    });
    m = await testManager({ hooks });
    const bad = await tcp();
    await assert.rejects(bad.register('gina'), (e: { code: string; message: string }) => e.code === 'E_AUTH' && /meta\.token/.test(e.message));
    await bad.closed;
    const good = await tcp();
    await good.register('gina', { meta: { token: 'letmein' } });
    assert.equal((await m.directory.get('gina'))!.meta.admittedBy, 'test-auth', 'the waterfall result is what gets registered');
    const ctx = seen[0] as { side: string; remoteAddress: string; transport: string; challenge: Uint8Array };
    assert.deepEqual({ side: ctx.side, remoteAddress: ctx.remoteAddress, transport: ctx.transport }, { side: 'manager', remoteAddress: '127.0.0.1', transport: 'tcp' });
    assert.equal(ctx.challenge.length, 32, 'the tap sees the connection\'s nonce');
  });

  it('refuses malformed registrations with E_REGISTER_INVALID', async () => {
    m = await testManager();
    for (const extra of [{ peerId: '' }, { peerId: 'has space' }, { candidates: [{ address: 'not-an-ip', port: 1, kind: 0 }] }]) {
      const a = await tcp();
      await assert.rejects(a.register((extra as { peerId?: string }).peerId ?? 'ok', extra), { code: 'E_REGISTER_INVALID' });
    }
    await until(() => m.stats().openConnections === 0, 2000, 'refused connections closed');
  });
});
