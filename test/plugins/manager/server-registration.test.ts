import { strict as assert } from 'assert';
import { createHash } from 'crypto';
import * as http from 'http';
import { createHooks, SignalError } from '@pinhole/core';
import { createTapApi } from '@pinhole/core/host';
import { testManager, until, rawPeerPool } from '../../helpers/manager';

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

  it('registers over raw TCP: Registered carries a secret, timers, the STUN port and a probe token; the directory has the record', async () => {
    m = await testManager({ keepaliveMs: 1234, expiryMs: 5678 });
    const a = await tcp();
    const reg = await a.register('alice', { payloadTypes: ['voice'], meta: { app: 'test' } });
    assert.equal(reg.peerId, 'alice');
    assert.ok(reg.secret.length >= 24, 'a fresh random secret');
    assert.equal(reg.keepaliveMs, 1234);
    assert.equal(reg.expiryMs, 5678);
    assert.equal(reg.stunPort, m.address().udp.port);
    assert.match(reg.probeToken ?? '', /^[0-9a-f]{32}$/);
    const rec = await m.directory.get('alice');
    assert.ok(rec);
    assert.equal(rec.node, m.nodeId);
    assert.equal(rec.secretHash, createHash('sha256').update(reg.secret).digest('hex'), 'only the hash of the secret is stored');
    assert.deepEqual(rec.candidates, [{ address: '127.0.0.1', port: 40000, kind: 'host' }]);
    assert.deepEqual(rec.payloadTypes, ['voice']);
    assert.deepEqual(rec.meta, { app: 'test' });
  });

  it('frees the id at once on Bye (a dropped connection keeps it for the secret holder instead)', async () => {
    m = await testManager();
    const a = await tcp();
    await a.register('leaver');
    a.send({ bye: { reason: 'done' } });
    await until(async () => !(await m.directory.get('leaver')), 2000, 'record removed');
    const b = await tcp();
    const reg = await b.register('leaver');
    assert.equal(reg.peerId, 'leaver', 'a new peer without the secret takes the id');
    const c = await tcp();
    await c.register('dropper');
    c.close();
    const d = await tcp();
    await assert.rejects(d.register('dropper'), /E_ID_TAKEN/);
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

  it('answers plain HTTP with 426 Upgrade Required and a hint', async () => {
    m = await testManager();
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) =>
      http.get(`http://127.0.0.1:${tcpOf(m)}/`, (r) => {
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode!, body }));
      }).on('error', reject),
    );
    assert.equal(res.status, 426);
    assert.match(res.body, /WebSocket/);
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
    const b = await tcp();
    const reg = await b.register('sleepy');
    assert.equal(reg.peerId, 'sleepy', 'someone else may take the expired id, without its secret');
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

  it('E_ID_TAKEN: a live id cannot be registered again without its secret', async () => {
    m = await testManager();
    await (await tcp()).register('carol');
    const b = await tcp();
    await assert.rejects(b.register('carol'), (e: { code: string; message: string }) => e.code === 'E_ID_TAKEN' && /secret/.test(e.message));
    await b.closed;
    const c = await tcp();
    await assert.rejects(c.register('carol', { secret: 'guessed' }), { code: 'E_ID_TAKEN' });
  });

  it('a re-registration presenting the secret succeeds, keeps the secret, and closes the old connection with E_REPLACED', async () => {
    m = await testManager();
    const a = await tcp();
    const first = await a.register('dave');
    const b = await tcp();
    const again = await b.register('dave', { secret: first.secret });
    assert.equal(again.secret, first.secret);
    assert.notEqual(again.probeToken, first.probeToken, 'a new probe token per registration');
    assert.equal((await a.next('error')).error!.code, 'E_REPLACED');
    await a.closed;
    b.send({ keepAlive: { seq: 1 } });
    await b.next('keepAliveAck');
    assert.equal(m.stats().peers, 1);
  });

  it('the secret holder may reclaim its id after its connection dropped (spec ¶40), others may not', async () => {
    m = await testManager();
    const a = await tcp();
    const reg = await a.register('erin');
    a.close();
    await a.closed;
    const thief = await tcp();
    await assert.rejects(thief.register('erin'), { code: 'E_ID_TAKEN' });
    const back = await tcp();
    assert.equal((await back.register('erin', { secret: reg.secret })).peerId, 'erin');
  });

  it('E_PROTOCOL_VERSION names both versions', async () => {
    m = await testManager();
    const a = await tcp();
    await assert.rejects(a.register('frank', { protocolVersion: 99 }), (e: { code: string; message: string }) => e.code === 'E_PROTOCOL_VERSION' && /99/.test(e.message) && /version 1/.test(e.message));
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
    assert.deepEqual(seen[0], { side: 'manager', remoteAddress: '127.0.0.1', transport: 'tcp' });
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
