import { strict as assert } from 'assert';
import { randomBytes } from 'crypto';
import type * as dgram from 'dgram';
import { DatagramType, decodeDatagram, encodeDatagram, fingerprint, sameBytes, type HandshakeStep } from '@pinhole/core';
import { MAX_ATTEMPTS, SealedDatagramCipher, decodeHandshake, encodeHandshake } from '@pinhole/secure-noise';
import { memoryIdentity } from '../../helpers/identities';
import { rng } from '../../helpers/rng';
import { CALLEE_EP, CALLER_EP, handshake, parties, portOf, security, udpSocket, until, type Parties } from './pair';

/** Both sides on real loopback UDP sockets: every message crosses the kernel as a datagram. */
async function overUdp(p: Parties, a: dgram.Socket, b: dgram.Socket): Promise<void> {
  b.on('message', (m, r) => {
    const step = p.res.receive(m);
    if (step.reply) b.send(step.reply, r.port, r.address);
  });
  const done = new Promise<void>((resolve) =>
    a.on('message', (m, r) => {
      const step = p.ini.receive(m);
      if (step.reply) a.send(step.reply, r.port, r.address);
      if (step.result) resolve();
    }),
  );
  a.send(p.ini.message, portOf(b), '127.0.0.1');
  await done;
  await until(() => p.res.result !== undefined);
}

describe('secure-noise: the handshake in the window-opening probes', () => {
  let sockets: dgram.Socket[] = [];
  afterEach(() => {
    for (const s of sockets) s.close();
    sockets = [];
  });
  const socket = async () => {
    const s = await udpSocket();
    sockets.push(s);
    return s;
  };

  for (const pattern of ['IK', 'XX'] as const) {
    it(`${pattern} end to end over loopback UDP, then sealed datagrams both ways`, async () => {
      const p = parties(pattern);
      assert.equal(p.ini.pattern, pattern);
      const probe = decodeDatagram(p.ini.message);
      assert.equal(probe.type, DatagramType.HANDSHAKE_INIT);
      assert.deepEqual([probe.dst, probe.src], [CALLEE_EP, CALLER_EP]);
      const [a, b] = [await socket(), await socket()];
      await overUdp(p, a, b);
      const ra = p.ini.result!;
      const rb = p.res.result!;
      assert.ok(sameBytes(ra.remotePublicKey, p.bob.publicKey) && sameBytes(rb.remotePublicKey, p.alice.publicKey));
      assert.equal(ra.remoteFingerprint, p.bob.fingerprint);
      assert.equal(rb.remoteFingerprint, fingerprint(p.alice.publicKey));
      assert.ok(sameBytes(ra.handshakeHash, rb.handshakeHash), 'one transcript');
      assert.ok(sameBytes(ra.tx, rb.rx) && sameBytes(ra.rx, rb.tx), 'keys cross');
      assert.ok(!sameBytes(ra.tx, ra.rx));
      assert.deepEqual([ra.initiator, rb.initiator, ra.pattern, rb.pattern], [true, false, pattern, pattern]);

      const pa = security.protect(ra);
      const pb = security.protect(rb);
      const got: string[] = [];
      a.removeAllListeners('message');
      b.removeAllListeners('message');
      b.on('message', (m, r) => {
        const o = pb.datagrams.open(m);
        if (o.ok) {
          got.push(`b:${o.payload.toString()}`);
          b.send(pb.datagrams.seal(DatagramType.PONG, o.payload), r.port, r.address);
        }
      });
      a.on('message', (m) => {
        const o = pa.datagrams.open(m);
        if (o.ok) got.push(`a:${o.type}:${o.payload.toString()}`);
      });
      for (let i = 0; i < 20; i++) a.send(pa.datagrams.seal(DatagramType.PING, Buffer.from(`ping ${i}`)), portOf(b), '127.0.0.1');
      await until(() => got.length === 40);
      assert.deepEqual(got.filter((g) => g.startsWith('b:')).sort(), Array.from({ length: 20 }, (_, i) => `b:ping ${i}`).sort());
      assert.ok(got.filter((g) => g.startsWith('a:')).every((g) => g.startsWith(`a:${DatagramType.PONG}:ping `)));
      assert.equal(pa.datagrams.stats.dropped + pb.datagrams.stats.dropped, 0);
    });
  }

  it('an attacker on loopback with the right ids: forged, replayed, altered and truncated datagrams are dropped and counted', async () => {
    const p = parties('IK');
    const [a, b, mallory] = [await socket(), await socket(), await socket()];
    await overUdp(p, a, b);
    const pa = security.protect(p.ini.result!);
    const pb = security.protect(p.res.result!);
    b.removeAllListeners('message');
    const delivered: string[] = [];
    let arrivals = 0;
    b.on('message', (m) => {
      arrivals++;
      const o = pb.datagrams.open(m);
      if (o.ok) delivered.push(`${o.type}:${o.payload.toString()}`);
    });
    const genuine = pa.datagrams.seal(DatagramType.DATA, Buffer.from('transfer 100 to bob'));
    const next = pa.datagrams.seal(DatagramType.DATA, Buffer.from('transfer 5 to bob'));
    const forger = new SealedDatagramCipher({ callId: 'call-1', localEndpoint: CALLER_EP, remoteEndpoint: CALLEE_EP, sendKey: randomBytes(32), receiveKey: randomBytes(32), firstCounter: 7 });
    const forgedHangup = forger.seal(DatagramType.HANGUP, Buffer.alloc(0));
    const altered = Buffer.from(next);
    altered[altered.length - 20] ^= 0x01;
    const retyped = Buffer.from(next);
    retyped[1] = DatagramType.HANGUP;
    const send = (s: dgram.Socket, d: Buffer) => s.send(d, portOf(b), '127.0.0.1');
    send(a, genuine);
    await until(() => delivered.length === 1);
    for (const d of [forgedHangup, genuine, genuine, altered, retyped, next.subarray(0, 30), next.subarray(0, next.length - 1)]) send(mallory, d);
    await until(() => arrivals === 8);
    send(a, next);
    await until(() => arrivals === 9);
    assert.deepEqual(delivered, [`${DatagramType.DATA}:transfer 100 to bob`, `${DatagramType.DATA}:transfer 5 to bob`], 'only the genuine ones, once each');
    assert.deepEqual(pb.datagrams.stats.drops, { short: 1, long: 0, version: 0, size: 1, type: 0, ids: 0, counter: 0, replay: 2, auth: 3 });
    assert.equal(pb.datagrams.stats.dropped, 7);
  });

  it('a repeated, identical msg 1 gets the very same answer; a different msg 1 for the same call is dropped', () => {
    const p = parties('IK');
    const first = p.res.receive(p.ini.message);
    assert.ok(first.reply && first.result);
    const again = p.res.receive(Buffer.from(p.ini.message));
    assert.deepEqual(again, { reply: first.reply });
    const other = parties('IK');
    const impostor = security.initiator({ callId: 'call-1', localEndpoint: CALLER_EP, remoteEndpoint: CALLEE_EP, identity: other.alice, remotePublicKey: p.bob.publicKey });
    assert.deepEqual(p.res.receive(impostor.message), { dropped: 'unexpected' });
    assert.ok(p.ini.receive(first.reply!).result, 'the caller completes with the cached answer');
  });

  it('the prologue binds call id and endpoint ids: a msg 1 made for another call, or moved to other ids, fails', () => {
    const p = parties('IK', 'call-1');
    const elsewhere = security.responder({ callId: 'call-2', localEndpoint: CALLEE_EP, remoteEndpoint: CALLER_EP, identity: p.bob, checkInitiator: () => true });
    assert.deepEqual(elsewhere.receive(p.ini.message), { dropped: 'decrypt' });
    // the same Noise bytes re-framed with other endpoint ids
    const f = decodeHandshake(p.ini.message)!;
    const moved = encodeHandshake(DatagramType.HANDSHAKE_INIT, 7, 8, f.pattern, 1, f.id, f.noise);
    const otherIds = security.responder({ callId: 'call-1', localEndpoint: 7, remoteEndpoint: 8, identity: p.bob, checkInitiator: () => true });
    assert.deepEqual(otherIds.receive(moved), { dropped: 'decrypt' });
    // and datagrams with ids that are not this call's never reach Noise
    assert.deepEqual(otherIds.receive(p.ini.message), { dropped: 'ids' });
    assert.ok(p.res.receive(p.ini.message).result, 'the genuine responder still answers');
  });

  it('IK: a caller the policy refuses gets no answer; a stranger\'s msg 1 does not spoil the genuine one', () => {
    const p = parties('IK');
    const mallory = memoryIdentity('mallory');
    const forged = security.initiator({ callId: 'call-1', localEndpoint: CALLER_EP, remoteEndpoint: CALLEE_EP, identity: mallory, remotePublicKey: p.bob.publicKey });
    assert.deepEqual(p.res.receive(forged.message), { dropped: 'refused' });
    assert.deepEqual(p.res.receive(Buffer.from('not even a datagram')), { dropped: 'malformed' });
    const ok = p.res.receive(p.ini.message);
    assert.ok(ok.reply && ok.result);
    assert.equal(p.res.drops.refused, 1);
  });

  it('IK: an answer from anyone but the callee is dropped without spoiling the handshake', () => {
    const p = parties('IK');
    const genuine = p.res.receive(p.ini.message).reply!;
    // Mallory answers msg 1 as if she were Bob (she does not have Bob's key)
    const fake = security.responder({ callId: 'call-1', localEndpoint: CALLEE_EP, remoteEndpoint: CALLER_EP, identity: memoryIdentity(), checkInitiator: () => true });
    assert.equal(fake.receive(p.ini.message).dropped, 'decrypt', 'msg 1 was for Bob\'s key only');
    const f = decodeHandshake(genuine)!;
    const garbled = Buffer.from(f.noise);
    garbled[0] ^= 1;
    assert.deepEqual(p.ini.receive(encodeHandshake(DatagramType.HANDSHAKE_RESP, CALLER_EP, CALLEE_EP, 'IK', 2, f.id, garbled)), { dropped: 'decrypt' });
    assert.deepEqual(p.ini.receive(encodeHandshake(DatagramType.HANDSHAKE_RESP, CALLER_EP, CALLEE_EP, 'IK', 2, f.id + 1, f.noise)), { dropped: 'unexpected' }, 'another handshake id');
    assert.deepEqual(p.ini.receive(encodeDatagram(DatagramType.PONG, CALLER_EP, CALLEE_EP, Buffer.alloc(8))), { dropped: 'malformed' });
    const step = p.ini.receive(genuine);
    assert.ok(step.result, 'the genuine answer still completes');
    assert.ok(sameBytes(step.result!.tx, p.res.result!.rx));
  });

  it('XX: the responder\'s key is checked (pin / TOFU); a repeated msg 2 gets msg 3 again; forged msg 3 spoils nothing', () => {
    const p = parties('XX');
    const m2 = p.res.receive(p.ini.message).reply!;
    const wrongPin = security.initiator({ callId: 'call-1', localEndpoint: CALLER_EP, remoteEndpoint: CALLEE_EP, identity: p.alice, checkResponder: () => false });
    const m2b = p.res.receive(wrongPin.message).reply!;
    assert.deepEqual(wrongPin.receive(m2b), { dropped: 'refused' });
    const s2 = p.ini.receive(m2);
    assert.ok(s2.result && s2.reply);
    assert.deepEqual(p.ini.receive(Buffer.from(m2)), { reply: s2.reply }, 'msg 3 again for a repeated msg 2');
    const f3 = decodeHandshake(s2.reply!)!;
    const forged = encodeHandshake(DatagramType.HANDSHAKE_INIT, CALLEE_EP, CALLER_EP, 'XX', 3, f3.id, Buffer.alloc(f3.noise.length, 7));
    assert.deepEqual(p.res.receive(forged), { dropped: 'decrypt' });
    const s3 = p.res.receive(s2.reply!);
    assert.ok(s3.result);
    assert.ok(sameBytes(s3.result!.handshakeHash, s2.result!.handshakeHash));
  });

  it('XX: the caller\'s key is checked at msg 3 (no session for a refused caller)', () => {
    const p = parties('XX');
    const mallory = memoryIdentity();
    const ini = security.initiator({ callId: 'call-1', localEndpoint: CALLER_EP, remoteEndpoint: CALLEE_EP, identity: mallory });
    const s2 = ini.receive(p.res.receive(ini.message).reply!);
    assert.ok(s2.result, 'mallory learns nothing she could not: she has a result of her own');
    assert.deepEqual(p.res.receive(s2.reply!), { dropped: 'refused' });
    assert.equal(p.res.result, undefined);
    const genuine = handshake(p);
    assert.ok(sameBytes(genuine.b.remotePublicKey, p.alice.publicKey), 'the genuine caller still gets through');
  });

  it('XX: at most four anonymous attempts wait for msg 3; Noise work per handshake is bounded', () => {
    const p = parties('XX');
    const attempts = Array.from({ length: 5 }, () => security.initiator({ callId: 'call-1', localEndpoint: CALLER_EP, remoteEndpoint: CALLEE_EP, identity: memoryIdentity() }));
    const steps = attempts.map((i) => p.res.receive(i.message));
    assert.deepEqual(steps.map((s) => s.dropped), [undefined, undefined, undefined, undefined, 'limit']);
    const ik = parties('IK');
    const f = decodeHandshake(ik.ini.message)!;
    let last: HandshakeStep = {};
    for (let i = 0; i <= MAX_ATTEMPTS; i++) last = ik.res.receive(encodeHandshake(DatagramType.HANDSHAKE_INIT, CALLEE_EP, CALLER_EP, 'IK', 1, i, Buffer.alloc(f.noise.length, i)));
    assert.deepEqual(last, { dropped: 'limit' });
    assert.equal(ik.res.drops.decrypt, MAX_ATTEMPTS);
  });

  it('fuzz: random and mutated handshake datagrams never throw and never complete a handshake', () => {
    const r = rng(0x5eed);
    for (const pattern of ['IK', 'XX'] as const) {
      const p = parties(pattern);
      const m1 = p.ini.message;
      const m2 = parties(pattern).res.receive(parties(pattern).ini.message).reply ?? m1;
      for (let i = 0; i < 3000; i++) {
        const base = [m1, m2][i % 2];
        let d: Buffer;
        if (i % 3 === 0) d = r.bytes(r.int(0, 400));
        else {
          d = Buffer.from(base);
          for (let k = r.int(1, 4); k > 0; k--) d[r.int(0, d.length - 1)] ^= 1 << r.int(0, 7);
          if (i % 7 === 0) d = d.subarray(0, r.int(0, d.length - 1));
          if (d.equals(base)) continue; // two flips of one bit: the genuine message
        }
        assert.doesNotThrow(() => p.res.receive(d));
        assert.doesNotThrow(() => p.ini.receive(d));
      }
      assert.equal(p.ini.result, undefined);
      assert.equal(p.res.result, undefined);
      assert.ok(handshake(p), 'the genuine exchange still completes after all that');
    }
  });
});
