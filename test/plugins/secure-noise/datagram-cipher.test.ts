import { strict as assert } from 'assert';
import { createDecipheriv, randomBytes } from 'crypto';
import { DatagramType, MAX_SEALED_COUNTER, MAX_SEALED_PAYLOAD, SEALED_HEADER_BYTES, writeSealedHeader, type DatagramCipher } from '@pinhole/core';
import { REPLAY_WINDOW, ReplayWindow, SealedDatagramCipher } from '@pinhole/secure-noise';
import { rng } from '../../helpers/rng';
import { handshake, parties, security } from './pair';

/** Two ciphers facing each other, as the handshake leaves them. */
function ciphers(): { a: DatagramCipher; b: DatagramCipher } {
  const { a, b } = handshake(parties('IK'));
  return { a: security.protect(a).datagrams, b: security.protect(b).datagrams };
}

describe('secure-noise: sealed datagrams', () => {
  it('seals every session message id with its channel; the header is the v2 layout; opens in place', () => {
    const { a, b } = ciphers();
    for (const type of [DatagramType.DATA, DatagramType.KEEPALIVE, DatagramType.HANGUP, DatagramType.PING, DatagramType.PONG]) {
      const d = a.seal(type, Buffer.from('payload'), 42);
      assert.equal(d.length, SEALED_HEADER_BYTES + 1 + 7 + 16);
      assert.equal(d[0], 0x52);
      assert.equal(d[1], type);
      assert.equal(d.readUInt16BE(2), 1 + 7 + 16);
      assert.ok(!d.includes(Buffer.from('payload')), 'encrypted');
      const o = b.open(d);
      assert.ok(o.ok);
      if (o.ok) {
        assert.equal(o.type, type);
        assert.deepEqual([o.payload[0], o.payload.subarray(1).toString()], [42, 'payload']);
        assert.equal(o.payload.buffer, d.buffer, 'a view of the datagram');
      }
    }
    assert.deepEqual([a.stats.sealed, b.stats.opened, b.stats.dropped], [5, 5, 0]);
  });

  it('is RFC 8439 ChaCha20-Poly1305 with nonce = 4 zero bytes ‖ counter (u64 LE) and the header as AD: OpenSSL opens it', () => {
    const keys = { send: randomBytes(32), receive: randomBytes(32) };
    for (const first of [0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32 + 5, 0x0102030405060, MAX_SEALED_COUNTER]) {
      const a = new SealedDatagramCipher({ callId: 'c', localEndpoint: 1, remoteEndpoint: 2, sendKey: keys.send, receiveKey: keys.receive, firstCounter: first });
      const d = a.seal(DatagramType.DATA, Buffer.from('known bytes'), 9);
      const nonce = Buffer.alloc(12);
      nonce.writeBigUInt64LE(BigInt(first), 4);
      assert.equal(d.readBigUInt64BE(12), BigInt(first), 'header counter');
      const ct = d.subarray(SEALED_HEADER_BYTES, d.length - 16);
      const decipher = createDecipheriv('chacha20-poly1305', keys.send, nonce, { authTagLength: 16 });
      decipher.setAAD(d.subarray(0, SEALED_HEADER_BYTES), { plaintextLength: ct.length });
      decipher.setAuthTag(d.subarray(d.length - 16));
      const plain = Buffer.concat([decipher.update(ct), decipher.final()]);
      assert.deepEqual([plain[0], plain.subarray(1).toString()], [9, 'known bytes'], `counter ${first}`);
    }
  });

  it('carries up to 1164 plaintext bytes (a 1200-byte datagram); more, NULL and handshake types are refused', () => {
    const { a, b } = ciphers();
    const full = a.seal(DatagramType.DATA, randomBytes(MAX_SEALED_PAYLOAD));
    assert.equal(full.length, 1200);
    assert.ok(b.open(full).ok);
    assert.throws(() => a.seal(DatagramType.DATA, randomBytes(MAX_SEALED_PAYLOAD), 1), { code: 'E_DGRAM_TOO_LARGE' });
    for (const t of [DatagramType.NULL, DatagramType.HANDSHAKE_INIT, DatagramType.HANDSHAKE_RESP]) assert.throws(() => a.seal(t, Buffer.alloc(0)), { code: 'E_DGRAM_TYPE' });
  });

  it('each direction has its own key: a datagram reflected back to its sender, even with the ids swapped, fails', () => {
    const { a, b } = ciphers();
    const d = a.seal(DatagramType.DATA, Buffer.from('x'));
    assert.deepEqual(a.open(Buffer.from(d)), { ok: false, reason: 'ids' });
    const swapped = Buffer.from(d);
    swapped.writeUInt32BE(d.readUInt32BE(8), 4);
    swapped.writeUInt32BE(d.readUInt32BE(4), 8);
    assert.deepEqual(a.open(swapped), { ok: false, reason: 'auth' });
    assert.ok(b.open(d).ok);
  });

  it('every single-bit change anywhere (header or body) is dropped; the untouched datagram still opens after', () => {
    const { a, b } = ciphers();
    const d = a.seal(DatagramType.HANGUP, Buffer.from('bye'), 3);
    const reasons = new Set<string>();
    for (let i = 0; i < d.length * 8; i++) {
      const x = Buffer.from(d);
      x[i >> 3] ^= 1 << (i & 7);
      const o = b.open(x);
      assert.equal(o.ok, false, `bit ${i}`);
      if (!o.ok) reasons.add(o.reason);
    }
    for (const r of ['auth', 'ids', 'version', 'size', 'type', 'counter']) assert.ok(reasons.has(r), r);
    assert.equal(b.stats.dropped, d.length * 8);
    assert.ok(b.open(d).ok, 'no failed attempt burnt the counter');
  });

  it('replays are dropped; reordering within the window is fine; older than the window is dropped', () => {
    const { a, b } = ciphers();
    const sent = Array.from({ length: REPLAY_WINDOW + 10 }, (_, i) => a.seal(DatagramType.DATA, Buffer.from(String(i))));
    const copy = (i: number) => Buffer.from(sent[i]);
    assert.ok(b.open(copy(5)).ok);
    assert.deepEqual(b.open(copy(5)), { ok: false, reason: 'replay' });
    assert.ok(b.open(copy(2)).ok, 'late but inside the window');
    assert.ok(b.open(copy(REPLAY_WINDOW + 9)).ok, 'a jump ahead');
    assert.deepEqual(b.open(copy(9)), { ok: false, reason: 'replay' }, `${REPLAY_WINDOW} behind the newest`);
    assert.ok(b.open(copy(10)).ok, `${REPLAY_WINDOW - 1} behind: still inside`);
    assert.deepEqual(b.open(copy(10)), { ok: false, reason: 'replay' });
    assert.equal(b.stats.drops.replay, 3);
  });

  it('the sender never reuses a counter: near the end it refuses with E_COUNTER_EXHAUSTED; the receiver takes the last one', () => {
    const keys = { send: randomBytes(32), receive: randomBytes(32) };
    const a = new SealedDatagramCipher({ callId: 'c', localEndpoint: 1, remoteEndpoint: 2, sendKey: keys.send, receiveKey: keys.receive, firstCounter: MAX_SEALED_COUNTER - 1 });
    const b = new SealedDatagramCipher({ callId: 'c', localEndpoint: 2, remoteEndpoint: 1, sendKey: keys.receive, receiveKey: keys.send });
    const last = [a.seal(DatagramType.DATA, Buffer.from('a')), a.seal(DatagramType.DATA, Buffer.from('b'))];
    assert.throws(() => a.seal(DatagramType.DATA, Buffer.from('c')), (err: Error & { code: string }) => err.code === 'E_COUNTER_EXHAUSTED' && /start a new call/.test(err.message));
    assert.throws(() => a.seal(DatagramType.DATA, Buffer.from('c')), { code: 'E_COUNTER_EXHAUSTED' }, 'and keeps refusing');
    for (const d of last) {
      const o = b.open(d);
      assert.ok(o.ok);
      if (o.ok) assert.ok(o.counter >= MAX_SEALED_COUNTER - 1);
    }
    const beyond = Buffer.from(last[1]);
    beyond.writeUInt32BE(2 ** 21, 12);
    assert.deepEqual(b.open(beyond), { ok: false, reason: 'counter' });
  });

  it('destroy() wipes the keys: nothing opens and nothing is sealed after', () => {
    const { a, b } = ciphers();
    const d = a.seal(DatagramType.DATA, Buffer.from('x'));
    (b as SealedDatagramCipher).destroy();
    assert.deepEqual(b.open(d), { ok: false, reason: 'auth' });
    (a as SealedDatagramCipher).destroy();
    assert.throws(() => a.seal(DatagramType.DATA, Buffer.from('x')), { code: 'E_COUNTER_EXHAUSTED' });
  });

  it('fuzz: random bytes and mutated datagrams never throw, never open, and are all counted', () => {
    const { a, b } = ciphers();
    const r = rng(0xc0ffee);
    const genuine = Array.from({ length: 64 }, (_, i) => a.seal(DatagramType.DATA, r.bytes(r.int(0, 1100)), i));
    let tried = 0;
    for (let i = 0; i < 30000; i++) {
      let d: Buffer;
      switch (i % 4) {
        case 0:
          d = r.bytes(r.int(0, 1300));
          break;
        case 1: {
          // a plausible header (right ids, sealed marker) over random bytes
          d = r.bytes(r.int(36, 1200));
          writeSealedHeader(d, DatagramType.DATA, d.length - SEALED_HEADER_BYTES, 0x2222, 0x1111, r.int(0, 1e6));
          break;
        }
        case 2: {
          const g = genuine[r.int(0, genuine.length - 1)];
          d = Buffer.from(g);
          for (let k = r.int(1, 8); k > 0; k--) d[r.int(0, d.length - 1)] = r.int(0, 255);
          if (d.equals(g)) continue;
          break;
        }
        default: {
          const g = genuine[r.int(0, genuine.length - 1)];
          d = Buffer.concat([g.subarray(0, r.int(0, g.length - 1)), r.bytes(r.int(0, 3))]);
          if (d.equals(g)) continue;
        }
      }
      tried++;
      let o;
      assert.doesNotThrow(() => (o = b.open(d)));
      assert.equal((o as unknown as { ok: boolean }).ok, false);
    }
    assert.equal(b.stats.dropped, tried);
    assert.equal(Object.values(b.stats.drops).reduce((x, y) => x + y, 0), tried);
    for (const g of genuine) assert.ok(b.open(g).ok, 'the genuine ones still open');
  });
});

describe('secure-noise: replay window (RFC 6479 style)', () => {
  it('accepts each counter once, anywhere in the last 2048, after any jump', () => {
    const w = new ReplayWindow();
    const take = (c: number) => {
      if (!w.fresh(c)) return false;
      w.record(c);
      return true;
    };
    assert.ok(take(0) && !take(0));
    assert.ok(take(100_000) && take(100_000 - 2047) && !take(100_000 - 2048));
    for (let c = 100_000 - 2000; c < 100_000; c += 7) assert.ok(take(c), String(c));
    for (let c = 100_000 - 2000; c < 100_000; c += 7) assert.ok(!take(c), `${c} again`);
    assert.ok(take(100_001) && take(MAX_SEALED_COUNTER) && take(MAX_SEALED_COUNTER - 2047) && !take(MAX_SEALED_COUNTER - 2048) && !take(100_001));
  });

  it('matches a plain set-based model over a long random walk', () => {
    const r = rng(42);
    const w = new ReplayWindow();
    const seen = new Set<number>();
    let top = -1;
    for (let i = 0; i < 200_000; i++) {
      const c = Math.max(0, top + r.int(-2300, r.next() < 0.01 ? 5000 : 40));
      const expected = !seen.has(c) && (c > top || top - c < REPLAY_WINDOW);
      assert.equal(w.fresh(c), expected, `step ${i}, counter ${c}, top ${top}`);
      if (expected) {
        w.record(c);
        seen.add(c);
        top = Math.max(top, c);
      }
    }
  });
});
