import { strict as assert } from 'assert';
import * as net from 'net';
import WebSocket from 'ws';
import { encodeControl, encodeFrame } from '@pinhole/core';
import { testManager, until, rawPeerPool } from '../../helpers/manager';

type Manager = Awaited<ReturnType<typeof testManager>>;

/**
 * Hostile and broken input: each case gets an Error where the transport allows it and a
 * closed connection, and afterwards the manager still registers a fresh client.
 */
describe('manager-server: bad input and limits', () => {
  let m: Manager;
  const pool = rawPeerPool(() => m.address().tcp.port);
  const tcp = () => pool.tcp();
  let n = 0;
  const stillServes = async () => {
    const fresh = await tcp();
    assert.equal((await fresh.register(`fresh${++n}`)).peerId, `fresh${n}`, 'the manager still serves a fresh client');
    fresh.close();
  };
  afterEach(async () => {
    pool.closeAll();
    await m?.close();
  });

  it('refuses an oversize frame from its 4-byte header, before reading the body', async () => {
    m = await testManager();
    const a = await tcp();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(10 * 1024 * 1024);
    a.sendRaw(header); // only the header: the manager must not wait for 10 MiB
    const err = (await a.next('error')).error!;
    assert.equal(err.code, 'E_FRAME_TOO_LARGE');
    assert.match(err.message, /10485760 bytes/);
    await a.closed;
    await stillServes();
  });

  it('closes on a frame that is not a control message (garbage)', async () => {
    m = await testManager();
    const a = await tcp();
    a.sendRaw(encodeFrame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02])));
    assert.match((await a.next('error')).error!.code, /^E_WIRE_/);
    await a.closed;
    const b = await tcp();
    b.sendRaw(encodeFrame(Buffer.alloc(0)));
    assert.equal((await b.next('error')).error!.code, 'E_WIRE_EMPTY');
    await b.closed;
    await stillServes();
  });

  it('closes on CallRequest before Register (E_NOT_REGISTERED) and on manager-only messages (E_OUT_OF_ORDER)', async () => {
    m = await testManager();
    const a = await tcp();
    a.send({ callRequest: { callId: 'x', calleeId: 'bob' } });
    const e = (await a.next('error')).error!;
    assert.equal(e.code, 'E_NOT_REGISTERED');
    assert.match(e.message, /first message on a connection must be Register/);
    await a.closed;
    const b = await tcp();
    await b.register('bee');
    b.send({ ready: { callId: 'x', calleeId: 'y', callerEndpoint: 1, calleeEndpoint: 2 } });
    assert.equal((await b.next('error')).error!.code, 'E_OUT_OF_ORDER');
    await b.closed;
    const c = await tcp();
    await c.register('twice');
    c.send({ register: { peerId: 'twice', protocolVersion: 1 } });
    assert.equal((await c.next('error')).error!.code, 'E_OUT_OF_ORDER');
    await stillServes();
  });

  it('slow-loris: a first frame that does not complete within helloTimeoutMs is cut off (E_HELLO_TIMEOUT)', async () => {
    m = await testManager({ limits: { helloTimeoutMs: 150 } });
    const a = await tcp();
    const frame = encodeFrame(encodeControl({ register: { peerId: 'slow', protocolVersion: 1 } }));
    a.sendRaw(frame.subarray(0, 6)); // a trickle, never the whole frame
    const started = Date.now();
    assert.equal((await a.next('error', 1000)).error!.code, 'E_HELLO_TIMEOUT');
    await a.closed;
    assert.ok(Date.now() - started < 600);
    const silent = await tcp(); // sends nothing at all
    await silent.closed;
    await stillServes();
  });

  it('idle timeout: a registered peer that goes quiet is closed (E_IDLE_TIMEOUT)', async () => {
    m = await testManager({ limits: { idleTimeoutMs: 150 }, expiryMs: 10000 });
    const a = await tcp();
    await a.register('idle');
    assert.equal((await a.next('error', 1000)).error!.code, 'E_IDLE_TIMEOUT');
    await a.closed;
    await stillServes();
  });

  it('rate limit: a flood of messages closes that connection only (E_RATE_LIMITED)', async () => {
    m = await testManager({ limits: { messagesPerSecondPerConnection: 5 } });
    const calm = await tcp();
    await calm.register('calm');
    const a = await tcp();
    await a.register('flood');
    for (let i = 0; i < 40; i++) a.send({ keepAlive: { seq: i } });
    const e = await a.next('error');
    assert.equal(e.error!.code, 'E_RATE_LIMITED');
    await a.closed;
    calm.send({ keepAlive: { seq: 1 } });
    await calm.next('keepAliveAck');
    await stillServes();
  });

  it('per-address connection limit: the next connection is refused with E_TOO_MANY_CONNECTIONS (429 over HTTP)', async () => {
    m = await testManager({ limits: { maxConnectionsPerAddress: 2 } });
    const a = await tcp();
    await a.register('one');
    const b = await tcp();
    await b.register('two');
    const c = await tcp();
    assert.equal(c.ended, false);
    await assert.rejects(c.register('three'), { code: 'E_TOO_MANY_CONNECTIONS' });
    await c.closed;
    const ws = new WebSocket(`ws://127.0.0.1:${m.address().tcp.port}/`);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.on('error', () => resolve(-1));
    });
    assert.equal(status, 429);
    a.close();
    await a.closed;
    await until(() => m.stats().openConnections <= 1, 1000, 'slot freed');
    await stillServes();
    assert.ok(m.stats()['listener.refusedByLimit'] >= 2);
  });

  it('WebSocket: an oversize message and a text message each close that socket', async () => {
    m = await testManager({ maxFrameBytes: 1024 });
    const url = `ws://127.0.0.1:${m.address().tcp.port}/`;
    const big = await pool.ws(url);
    big.sendRaw(Buffer.alloc(4096));
    await big.closed;
    const text = await pool.ws(url);
    text.websocket!.send('hello');
    assert.equal((await text.next('error')).error!.code, 'E_WS_TEXT');
    await text.closed;
    const fresh = await pool.ws(url);
    assert.equal((await fresh.register('wsfresh')).peerId, 'wsfresh');
  });

  it('survives a connection reset in the middle of a frame', async () => {
    m = await testManager();
    const s = net.connect(m.address().tcp.port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.write(Buffer.from([0, 0, 1, 0, 1, 2]));
    s.resetAndDestroy();
    await stillServes();
  });
});
