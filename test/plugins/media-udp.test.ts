import { strict as assert } from 'assert';
import * as dgram from 'dgram';
import { DatagramType, encodeDatagram, type DatagramSession, type MediaTransport } from '@pinhole/core';
import { createTapApi, type Host } from '@pinhole/core/host';
import { mediaHost, transport } from '../helpers/media';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('media-udp: sessions on the media socket', () => {
  let host: Host;
  let a: MediaTransport;
  let b: MediaTransport;
  let as: DatagramSession;
  let bs: DatagramSession;
  const addr = (t: MediaTransport) => ({ address: '127.0.0.1', port: t.socket.localPort });

  beforeEach(async () => {
    host = await mediaHost();
    a = await transport(host);
    b = await transport(host);
    as = a.openSession({ callId: 'c1', role: 'caller', localEndpoint: 0x1111, remoteEndpoint: 0x2222, remote: addr(b), keepaliveMs: 0 });
    bs = b.openSession({ callId: 'c1', role: 'callee', localEndpoint: 0x2222, remoteEndpoint: 0x1111, remote: addr(a), keepaliveMs: 0 });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await host.dispose();
  });

  it('delivers DATA both ways and measures RTT with PING/PONG', async () => {
    const got: string[] = [];
    bs.onData((p) => got.push(p.toString()));
    as.send(Buffer.from('hello'));
    await bs.firstDatagram(1000);
    assert.deepEqual(got, ['hello']);
    const rtt = await bs.ping();
    assert.ok(rtt > 0 && rtt < 500, `rtt ${rtt}`);
  });

  it('drops spoofed datagrams: wrong endpoint id, wrong source port, bad CRC never reach the application', async () => {
    const got: Buffer[] = [];
    bs.onData((p) => got.push(p));
    const spoofer = dgram.createSocket('udp4');
    await new Promise<void>((r) => spoofer.bind(0, '127.0.0.1', () => r()));
    const send = (buf: Buffer, s: dgram.Socket | MediaTransport = spoofer) =>
      'socket' in s ? s.socket.send(buf, b.socket.localPort, '127.0.0.1') : new Promise<void>((r) => spoofer.send(buf, b.socket.localPort, '127.0.0.1', () => r()));
    await send(encodeDatagram(DatagramType.DATA, 0x2222, 0x1111, Buffer.from('from the wrong port')));
    await send(encodeDatagram(DatagramType.DATA, 0x2222, 0x9999, Buffer.from('wrong source id')), a);
    await send(encodeDatagram(DatagramType.DATA, 0x7777, 0x1111, Buffer.from('wrong destination id')), a);
    const corrupt = encodeDatagram(DatagramType.DATA, 0x2222, 0x1111, Buffer.from('corrupt'));
    corrupt[20] ^= 0xff;
    await send(corrupt, a);
    await send(Buffer.from('garbage that is not a datagram at all'), a);
    await wait(100);
    assert.deepEqual(got, []);
    assert.equal(bs.stats.received, 0);
    assert.equal(bs.stats.dropped, 1, 'right ids from the wrong port are counted as dropped');
    as.send(Buffer.from('real'));
    await bs.firstDatagram(1000);
    assert.deepEqual(got.map(String), ['real']);
    spoofer.close();
  });

  it('latches onto the first valid source among the alternates and then refuses the others', async () => {
    const c = await transport(host);
    const cs = c.openSession({ callId: 'c2', role: 'callee', localEndpoint: 5, remoteEndpoint: 6, remote: { address: '127.0.0.1', port: 1 }, alternates: [addr(a), addr(b)], keepaliveMs: 0 });
    const got: string[] = [];
    cs.onData((p) => got.push(p.toString()));
    await a.socket.send(encodeDatagram(DatagramType.DATA, 5, 6, Buffer.from('from a')), c.socket.localPort, '127.0.0.1');
    await wait(30);
    await b.socket.send(encodeDatagram(DatagramType.DATA, 5, 6, Buffer.from('from b')), c.socket.localPort, '127.0.0.1');
    await wait(30);
    assert.deepEqual(got, ['from a']);
    await c.close();
  });

  it('sends KEEPALIVE datagrams when idle so the firewall windows stay open', async () => {
    const k = a.openSession({ callId: 'k', role: 'caller', localEndpoint: 7, remoteEndpoint: 8, remote: addr(b), keepaliveMs: 40 });
    const kb = b.openSession({ callId: 'k', role: 'callee', localEndpoint: 8, remoteEndpoint: 7, remote: addr(a), keepaliveMs: 0 });
    await wait(150);
    assert.ok(kb.stats.received >= 2, `keepalives received: ${kb.stats.received}`);
    assert.equal(k.stats.bytesSent, 0, 'keep-alives carry no payload');
    await k.close();
    await kb.close();
  });

  it('hangup on one side closes both', async () => {
    const closed = new Promise<string>((r) => bs.onClose(r));
    await as.close('bye');
    assert.equal(await closed, 'remote hung up');
    assert.throws(() => as.send(Buffer.from('x')), /E_SESSION_CLOSED|closed/);
  });

  it('openStream runs the stream taps once and applies their transforms per packet', async () => {
    let taps = 0;
    const api = createTapApi(host.hooks, 'xor-test');
    const d = api.stream.for('chat').tap({}, (ctx) => {
      taps++;
      ctx.outbound.push((p) => Buffer.from(p.map((x) => x ^ 0x55)));
      ctx.inbound.push((p) => Buffer.from(p.map((x) => x ^ 0x55)));
    });
    const sa = await as.openStream('chat');
    const sb = await bs.openStream('chat');
    const got: string[] = [];
    sb.onPayload((p) => got.push(p.toString()));
    for (const m of ['one', 'two', 'three']) sa.send(Buffer.from(m));
    await wait(50);
    assert.deepEqual(got, ['one', 'two', 'three']);
    assert.equal(taps, 2, 'taps ran once per session side, not per packet');
    d.dispose();
  });

  it('carries a reliable udx stream on the same socket and port pair, byte-identical', async () => {
    const { createHash, randomBytes } = await import('crypto');
    const data = randomBytes(1 << 20);
    const rx = bs.openReliableStream(1);
    const tx = as.openReliableStream(1);
    const h = createHash('sha256');
    let n = 0;
    const done = new Promise<void>((resolve) => {
      rx.on('data', (c) => {
        h.update(c);
        n += c.length;
      });
      rx.on('end', () => resolve());
    });
    for (let off = 0; off < data.length; off += 65536) tx.write(data.subarray(off, off + 65536));
    tx.end();
    await done;
    rx.end();
    assert.equal(n, data.length);
    assert.equal(h.digest('hex'), createHash('sha256').update(data).digest('hex'));
    // Datagrams keep working beside the stream on the same socket.
    assert.ok((await as.ping()) >= 0);
  });

  it('discovers nothing and fails clearly when the STUN server does not answer', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    await assert.rejects(a.discoverReflexive({ address: '127.0.0.1', port: silent.address().port }, { timeoutMs: 300 }), /E_STUN_TIMEOUT|no STUN answer/);
    silent.close();
  });
});
