import { strict as assert } from 'assert';
import * as dgram from 'dgram';
import { DatagramType, encodeDatagram, type DatagramSession, type MediaTransport } from '@pinhole/core';
import { createTapApi, type Host } from '@pinhole/core/host';
import { mediaHost, transport } from '../helpers/media';
import { handshakePair } from '../helpers/secure';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('media-udp: --insecure sessions on the media socket (v1 layout, CRC)', () => {
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
    as = await a.openSession({ callId: 'c1', role: 'caller', localEndpoint: 0x1111, remoteEndpoint: 0x2222, remote: addr(b), keepaliveMs: 0, insecure: true });
    bs = await b.openSession({ callId: 'c1', role: 'callee', localEndpoint: 0x2222, remoteEndpoint: 0x1111, remote: addr(a), keepaliveMs: 0, insecure: true });
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
    const cs = await c.openSession({ callId: 'c2', role: 'callee', localEndpoint: 5, remoteEndpoint: 6, remote: { address: '127.0.0.1', port: 1 }, alternates: [addr(a), addr(b)], keepaliveMs: 0, insecure: true });
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
    const k = await a.openSession({ callId: 'k', role: 'caller', localEndpoint: 7, remoteEndpoint: 8, remote: addr(b), keepaliveMs: 40, insecure: true });
    const kb = await b.openSession({ callId: 'k', role: 'callee', localEndpoint: 8, remoteEndpoint: 7, remote: addr(a), keepaliveMs: 0, insecure: true });
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

/**
 * A UDP relay between two sessions: what an attacker on the path sees and can do. It forwards
 * both ways, records every datagram, and can replay, alter or inject.
 */
class PathAttacker {
  readonly socket = dgram.createSocket('udp4');
  readonly seen: Array<{ from: 'a' | 'b'; data: Buffer }> = [];
  altering?: (d: Buffer) => Buffer;
  constructor(private readonly a: number, private readonly b: number) {
    this.socket.on('message', (m, r) => {
      const from = r.port === this.a ? 'a' : 'b';
      this.seen.push({ from, data: Buffer.from(m) });
      this.socket.send(this.altering ? this.altering(Buffer.from(m)) : m, from === 'a' ? this.b : this.a, '127.0.0.1');
    });
  }
  bind(): Promise<number> {
    return new Promise((r) => this.socket.bind(0, '127.0.0.1', () => r(this.socket.address().port)));
  }
  /** Sends bytes to b (or a) as if they came along the path. */
  inject(data: Buffer, to: 'a' | 'b' = 'b'): Promise<void> {
    return new Promise((r) => this.socket.send(data, to === 'a' ? this.a : this.b, '127.0.0.1', () => r()));
  }
  close(): void {
    this.socket.close();
  }
}

describe('media-udp: secure sessions (sealed datagrams, encrypted streams)', () => {
  let host: Host;
  let a: MediaTransport;
  let b: MediaTransport;
  let as: DatagramSession;
  let bs: DatagramSession;
  let path: PathAttacker;
  let n = 0;

  beforeEach(async () => {
    host = await mediaHost();
    a = await transport(host);
    b = await transport(host);
    path = new PathAttacker(a.socket.localPort, b.socket.localPort);
    const via = { address: '127.0.0.1', port: await path.bind() };
    const callId = `sealed-${++n}`;
    const ids = { callId, callerEndpoint: 0x3000 + n, calleeEndpoint: 0x4000 + n };
    const hs = await handshakePair(host, ids);
    as = await a.openSession({ callId, role: 'caller', localEndpoint: ids.callerEndpoint, remoteEndpoint: ids.calleeEndpoint, remote: via, keepaliveMs: 0, handshake: hs.caller });
    bs = await b.openSession({ callId, role: 'callee', localEndpoint: ids.calleeEndpoint, remoteEndpoint: ids.callerEndpoint, remote: via, keepaliveMs: 0, handshake: hs.callee });
  });
  afterEach(async () => {
    path.close();
    await a.close();
    await b.close();
    await host.dispose();
  });

  it('seals every datagram: the payload never appears on the path; the peer is authenticated', async () => {
    const got: string[] = [];
    bs.onData((p) => got.push(p.toString()));
    as.send(Buffer.from('a secret marker 7f3a'));
    await bs.firstDatagram(1000);
    assert.deepEqual(got, ['a secret marker 7f3a']);
    assert.ok(path.seen.length > 0);
    for (const { data } of path.seen) {
      assert.equal(data[0], 0x52, 'sealed layout');
      assert.ok(!data.includes(Buffer.from('secret marker')), 'no plaintext on the path');
    }
    assert.ok((await as.ping()) >= 0, 'PING/PONG sealed too');
    assert.equal(as.security?.pattern, 'IK');
    assert.equal(bs.security?.remoteFingerprint.length, 19);
  });

  it('drops a replayed, an altered and a forged datagram — a forged plaintext HANGUP included — and counts them', async () => {
    const got: string[] = [];
    bs.onData((p) => got.push(p.toString()));
    as.send(Buffer.from('once'));
    await bs.firstDatagram(1000);
    const recorded = path.seen.find((x) => x.from === 'a')!.data;
    await path.inject(recorded); // replay
    const altered = Buffer.from(recorded);
    altered[altered.length - 20] ^= 1;
    await path.inject(altered);
    const forgedHangup = encodeDatagram(DatagramType.HANGUP, bs.params.localEndpoint, bs.params.remoteEndpoint);
    await path.inject(forgedHangup);
    const sealedLooking = Buffer.from(recorded);
    sealedLooking.writeUInt32BE(0, 12);
    sealedLooking.writeUInt32BE(999_999, 16); // a fresh counter, but no key to make a tag
    await path.inject(sealedLooking);
    await wait(100);
    assert.deepEqual(got, ['once'], 'nothing but the original was delivered');
    assert.equal(bs.stats.dropped, 4);
    assert.equal((bs as unknown as { isClosed: boolean }).isClosed, false, 'the forged HANGUP did not end the call');
    as.send(Buffer.from('still here'));
    await wait(50);
    assert.deepEqual(got, ['once', 'still here']);
  });

  it('a real HANGUP (sealed) still ends the call on both sides', async () => {
    const closed = new Promise<string>((r) => bs.onClose(r));
    await as.close('bye');
    assert.equal(await closed, 'remote hung up');
  });

  it('encrypts reliable streams: 1 MiB arrives byte-identical, nothing of it readable on the path, and tampering kills the stream, not the process', async () => {
    const { createHash, randomBytes } = await import('crypto');
    const marker = Buffer.from('FILE-MARKER-0123456789');
    const data = Buffer.concat([randomBytes(1 << 19), marker, randomBytes(1 << 19)]);
    const rx = bs.openReliableStream(3);
    const tx = as.openReliableStream(3);
    const chunks: Buffer[] = [];
    const done = new Promise<void>((resolve) => {
      rx.on('data', (c) => chunks.push(c));
      rx.on('end', () => resolve());
    });
    tx.on('error', () => undefined);
    tx.write(data);
    tx.end();
    await done;
    rx.end();
    assert.equal(createHash('sha256').update(Buffer.concat(chunks)).digest('hex'), createHash('sha256').update(data).digest('hex'));
    assert.ok(!path.seen.some(({ data: d }) => d.includes(marker)), 'the marker never crossed the path in clear');

    const rx2 = bs.openReliableStream(4);
    const tx2 = as.openReliableStream(4);
    const failed = new Promise<Error>((resolve) => rx2.on('error', resolve));
    tx2.on('error', () => undefined); // the receiver's reset reaches the sender too
    path.altering = (d) => {
      if (d[0] === 0xff && d.length > 100) d[d.length - 1] ^= 1; // udx data packets carry the ciphertext
      return d;
    };
    tx2.write(randomBytes(64 * 1024));
    const err = await Promise.race([failed, wait(5000).then(() => undefined)]);
    path.altering = undefined;
    assert.ok(err, 'the receiving stream failed on tampered bytes');
    assert.ok((await as.ping()) >= 0, 'the session and the process go on');
  });

  it('refuses to open a session without a handshake unless it is explicitly insecure (E_SESSION_UNPROTECTED)', async () => {
    const c = await transport(host);
    await assert.rejects(c.openSession({ callId: 'x', role: 'caller', localEndpoint: 1, remoteEndpoint: 2, remote: { address: '127.0.0.1', port: 9 } }), { code: 'E_SESSION_UNPROTECTED' });
    await c.close();
  });
});
