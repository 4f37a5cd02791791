import { strict as assert } from 'assert';
import * as dgram from 'dgram';
import * as net from 'net';
import {
  PinholeError,
  StunClass,
  StunMethod,
  decodeStun,
  encodeChannelData,
  encodeStun,
  longTermKey,
  parseTurnUri,
  turnRestCredentials,
  verifyMessageIntegrity,
  type StunMessage,
} from '@pinhole/core';
import { TurnAllocator, TurnStreamFramer } from '@pinhole/relay-turn';
import type { Host } from '@pinhole/core/host';
import { mediaHost } from '../../helpers/media';

const code = (c: string, re?: RegExp) => (e: unknown) => e instanceof PinholeError && e.code === c && (!re || re.test(e.message));

/** A UDP "TURN server" on loopback whose answers the test scripts. */
async function fakeUdpServer(answer: (req: StunMessage, raw: Buffer, reply: (b: Buffer) => void) => void): Promise<{ port: number; close(): void }> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  s.on('message', (m, r) => {
    let req: StunMessage;
    try {
      req = decodeStun(m);
    } catch {
      return;
    }
    answer(req, m, (b) => s.send(b, r.port, r.address));
  });
  return { port: s.address().port, close: () => s.close() };
}

describe('relay-turn: hostile or broken servers never crash the client', function () {
  this.timeout(15000);
  let host: Host;
  let allocator: TurnAllocator;
  before(async () => {
    host = await mediaHost({ plugins: { 'relay-turn': { options: { requestTimeoutMs: 800, connectTimeoutMs: 800 } } } });
    await host.plugins.activate('relay-turn');
    allocator = await host.services.load(TurnAllocator);
  });
  after(async () => host.dispose());

  it('UDP: oversize, garbage, foreign transactions and stray indications are dropped; the request times out cleanly', async () => {
    const srv = await fakeUdpServer((req, _raw, reply) => {
      reply(Buffer.alloc(3000, 1)); // over maxMessageBytes
      reply(Buffer.from('not turn at all'));
      reply(encodeStun({ method: StunMethod.Allocate, cls: StunClass.Success, transactionId: Buffer.alloc(12, 7), xorRelayedAddress: { family: 'IPv4', address: '1.2.3.4', port: 5 } }));
      reply(encodeStun({ method: StunMethod.Data, cls: StunClass.Indication, transactionId: req.transactionId }));
      reply(encodeChannelData(0x4abc, Buffer.from('no such channel')));
      const truncated = encodeStun({ method: StunMethod.Allocate, cls: StunClass.Success, transactionId: req.transactionId, lifetime: 5 });
      reply(truncated.subarray(0, truncated.length - 2));
    });
    try {
      await assert.rejects(allocator.allocate({ uri: `turn:127.0.0.1:${srv.port}`, username: 'u', password: 'p' }), code('E_TURN_TIMEOUT', /did not answer Allocate within 800 ms/));
    } finally {
      srv.close();
    }
  });

  it('UDP: a server that goes away mid-request (ICMP port unreachable) ends in a clean timeout, not a crash of the retransmission', async () => {
    // Swallows the first request and closes: the retransmissions meet a closed port (ECONNREFUSED on the connected socket).
    const srv = await fakeUdpServer(() => undefined);
    const gone = new Promise<void>((r) => setTimeout(() => (srv.close(), r()), 100));
    try {
      await assert.rejects(allocator.allocate({ uri: `turn:127.0.0.1:${srv.port}`, username: 'u', password: 'p' }), code('E_TURN_TIMEOUT'));
    } finally {
      await gone;
    }
  });

  it('UDP: after the challenge, a success without valid MESSAGE-INTEGRITY is ignored (spoofing); a signed one without a relayed address is refused', async () => {
    let spoof = true;
    const srv = await fakeUdpServer((req, _raw, reply) => {
      if (!req.hasIntegrity) {
        return reply(encodeStun({ method: req.method, cls: StunClass.Error, transactionId: req.transactionId, errorCode: { code: 401, reason: 'Unauthorized' }, realm: 'r', nonce: 'n' }));
      }
      const ok = { method: req.method, cls: StunClass.Success, transactionId: req.transactionId, lifetime: 600 };
      reply(spoof ? encodeStun({ ...ok, xorRelayedAddress: { family: 'IPv4', address: '6.6.6.6', port: 6 } }) : encodeStun({ ...ok, integrityKey: longTermKey('u', 'r', 'p') }));
    });
    try {
      await assert.rejects(allocator.allocate({ uri: `turn:127.0.0.1:${srv.port}`, username: 'u', password: 'p' }), code('E_TURN_TIMEOUT'));
      spoof = false;
      await assert.rejects(allocator.allocate({ uri: `turn:127.0.0.1:${srv.port}`, username: 'u', password: 'p' }), code('E_TURN_BAD_FRAME', /without XOR-RELAYED-ADDRESS/));
    } finally {
      srv.close();
    }
  });

  it('an RFC 8489 server offering SHA-256 gets MESSAGE-INTEGRITY-SHA256 and PASSWORD-ALGORITHM (bid-down protection echoed)', async () => {
    const key = longTermKey('u', 'r', 'p', 'sha256');
    const offered = [{ algorithm: 2, params: Buffer.alloc(0) }, { algorithm: 1, params: Buffer.alloc(0) }];
    const seen: StunMessage[] = [];
    const srv = await fakeUdpServer((req, raw, reply) => {
      if (!req.hasIntegrity) {
        return reply(encodeStun({ method: req.method, cls: StunClass.Error, transactionId: req.transactionId, errorCode: { code: 401, reason: 'Unauthorized' }, realm: 'r', nonce: 'obMatJos2AAACn', passwordAlgorithms: offered }));
      }
      seen.push(req);
      assert.equal(verifyMessageIntegrity(raw, key), true, 'signed with SHA-256(u:r:p)');
      reply(encodeStun({ method: req.method, cls: StunClass.Success, transactionId: req.transactionId, lifetime: 600, xorRelayedAddress: { family: 'IPv4', address: '127.0.0.1', port: 50000 }, integrityKey: key, integrityAlgorithm: 'sha256' }));
    });
    try {
      const c = await allocator.allocate({ uri: `turn:127.0.0.1:${srv.port}`, username: 'u', password: 'p' });
      assert.deepEqual(c.relayed, { address: '127.0.0.1', port: 50000 });
      assert.equal(seen[0].integrity, 'sha256');
      assert.deepEqual(seen[0].passwordAlgorithm, { algorithm: 2, params: Buffer.alloc(0) });
      assert.deepEqual(seen[0].passwordAlgorithms, offered);
      await c.close();
    } finally {
      srv.close();
    }
  });

  it('UDP: a 401 without a nonce cannot be answered: E_TURN_AUTH, not a loop', async () => {
    const srv = await fakeUdpServer((req, _raw, reply) =>
      reply(encodeStun({ method: req.method, cls: StunClass.Error, transactionId: req.transactionId, errorCode: { code: 401, reason: 'Unauthorized' } })),
    );
    try {
      await assert.rejects(allocator.allocate({ uri: `turn:127.0.0.1:${srv.port}`, ...turnRestCredentials('s', 'x', 60) }), code('E_TURN_AUTH'));
    } finally {
      srv.close();
    }
  });

  for (const [what, bytes, re] of [
    ['an oversize frame header', (() => { const b = Buffer.alloc(20); b.writeUInt16BE(0x0113, 0); b.writeUInt16BE(60000, 2); return b; })(), /60020-byte message is over the 4096-byte limit/],
    ['a first byte that is neither STUN nor ChannelData', Buffer.from([0x99, 0, 0, 0]), /neither STUN nor ChannelData/],
  ] as Array<[string, Buffer, RegExp]>)
    it(`TCP: ${what} closes the connection with the reason`, async () => {
      const srv = net.createServer((sock) => sock.once('data', () => sock.write(bytes)));
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
      try {
        await assert.rejects(allocator.allocate({ uri: `turn:127.0.0.1:${(srv.address() as net.AddressInfo).port}?transport=tcp`, username: 'u', password: 'p' }), code('E_TURN_CLOSED', re));
      } finally {
        srv.close();
      }
    });

  it('TCP: a server that is not there: E_TURN_CONNECT; a silent one: E_TURN_TIMEOUT', async () => {
    const conns: net.Socket[] = [];
    const srv = net.createServer((c) => conns.push(c)); // accepts, never answers
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      await assert.rejects(allocator.allocate({ uri: `turn:127.0.0.1:${port}?transport=tcp`, username: 'u', password: 'p' }), code('E_TURN_TIMEOUT'));
    } finally {
      const closed = new Promise((r) => srv.close(r));
      for (const c of conns) c.destroy();
      await closed;
    }
    await assert.rejects(allocator.allocate({ uri: `turn:127.0.0.1:${port}?transport=tcp`, username: 'u', password: 'p' }), code('E_TURN_CONNECT', /ECONNREFUSED/));
  });
});

describe('relay-turn: stream framing and URIs', () => {
  it('reassembles STUN and padded ChannelData frames from arbitrary chunks', () => {
    const frames = [
      encodeStun({ method: StunMethod.Allocate, cls: StunClass.Success, transactionId: Buffer.alloc(12, 1), lifetime: 1 }),
      encodeChannelData(0x4001, Buffer.from('abcde'), true),
      encodeChannelData(0x4002, Buffer.alloc(0), true),
      encodeStun({ method: StunMethod.Data, cls: StunClass.Indication, transactionId: Buffer.alloc(12, 2), data: Buffer.alloc(300, 3) }),
    ];
    const all = Buffer.concat(frames);
    for (let seed = 1; seed < 200; seed++) {
      const f = new TurnStreamFramer(4096);
      const out: Buffer[] = [];
      for (let o = 0; o < all.length; ) {
        const n = 1 + ((seed * 7919 + o * 31) % 57);
        out.push(...f.push(all.subarray(o, o + n)));
        o += n;
      }
      assert.deepEqual(out, frames);
    }
  });

  it('random bytes either frame or throw a plain Error with a reason', () => {
    for (let i = 0; i < 2000; i++) {
      const f = new TurnStreamFramer(2048);
      const junk = Buffer.from(Array.from({ length: 1 + (i % 300) }, (_, k) => (i * 131 + k * 17) & 0xff));
      try {
        f.push(junk);
      } catch (e) {
        assert.ok(e instanceof Error && e.message.length > 10);
      }
    }
  });

  it('parses turn:/turns: URIs (RFC 7065) and refuses the rest', () => {
    assert.deepEqual(parseTurnUri('turn:192.0.2.1'), { transport: 'udp', host: '192.0.2.1', port: 3478, text: 'turn:192.0.2.1:3478' });
    assert.equal(parseTurnUri('turn:example.org:80?transport=tcp').transport, 'tcp');
    assert.deepEqual(parseTurnUri('turns:[2001:db8::1]'), { transport: 'tls', host: '2001:db8::1', port: 5349, text: 'turns:[2001:db8::1]:5349' });
    for (const bad of ['stun:x', 'turn:', 'turn:x:99999', 'turns:x?transport=udp', 'http://x'])
      assert.throws(() => parseTurnUri(bad), code('E_TURN_URI'), bad);
  });
});
