import { strict as assert } from 'assert';
import { createHash } from 'crypto';
import { WireError } from '@pinhole/core';
import {
  STUN_MAGIC_COOKIE, StunAttr, StunClass, StunMethod, bindingRequest, bindingSuccess, decodeStun, encodeStun,
  isStunPacket, verifyMessageIntegrity,
} from '@pinhole/core';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 5769 test vectors (padding in the RFC uses 0x20, which the decoder must accept).
const PASSWORD = Buffer.from('VOkJxbRl1RmTxUk/WvJxBt');
const TXID = hex('b7e7a701 bc34d686 fa87dfae');
const SAMPLE_REQUEST = hex(`
  00010058 2112a442 b7e7a701 bc34d686 fa87dfae
  80220010 5354554e 20746573 7420636c 69656e74
  00240004 6e0001ff
  80290008 932ff9b1 51263b36
  00060009 6576746a 3a683676 59202020
  00080014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
  80280004 e57a3bcf`);
const SAMPLE_IPV4_RESPONSE = hex(`
  0101003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200008 0001a147 e112a643
  00080014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  80280004 c07d4c96`);
const SAMPLE_IPV6_RESPONSE = hex(`
  01010048 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9
  00080014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41
  80280004 c8fb0b4c`);
// §2.4: long-term credentials, no FINGERPRINT. Username is "マトリックス", realm "example.org",
// password "TheMatrIX" after SASLprep; key = MD5(username ":" realm ":" password).
const SAMPLE_LONG_TERM_REQUEST = hex(`
  00010060 2112a442 78ad3433 c6ad72c0 29da412e
  00060012 e3839ee3 8388e383 aae38383 e382afe3 82b90000
  0015001c 662f2f34 39396b39 35346436 4f4c3334 6f4c3946 53547679 36347341
  0014000b 6578616d 706c652e 6f726700
  00080014 f6702465 6dd64a3e 02b8e071 2e85c9a2 8ca89666`);

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof WireError, `expected WireError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

/** Deterministic PRNG (mulberry32) so a fuzz failure is reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Every attribute type the codec decodes, plus one slot for a random type.
const FUZZ_TYPES: number[] = [...Object.values(StunAttr), -1];

describe('wire/stun', () => {
  describe('RFC 5769 test vectors', () => {
    it('§2.1 sample request: attributes, integrity, fingerprint', () => {
      assert.ok(isStunPacket(SAMPLE_REQUEST));
      const m = decodeStun(SAMPLE_REQUEST, { integrityKey: PASSWORD });
      assert.equal(m.method, StunMethod.Binding);
      assert.equal(m.cls, StunClass.Request);
      assert.deepEqual(m.transactionId, TXID);
      assert.equal(m.software, 'STUN test client');
      assert.equal(m.username, 'evtj:h6vY');
      assert.ok(m.hasIntegrity && m.hasFingerprint);
      assert.deepEqual(m.unknownRequired, [0x0024]); // PRIORITY is ICE, not understood by a plain Binding server
      assert.deepEqual(m.attributes.map((a) => a.type), [0x8022, 0x0024, 0x8029, 0x0006, 0x0008, 0x8028]);
      assert.equal(verifyMessageIntegrity(SAMPLE_REQUEST, PASSWORD), true);
      assert.equal(verifyMessageIntegrity(SAMPLE_REQUEST, Buffer.from('wrong')), false);
    });

    it('§2.2 IPv4 response: 192.0.2.1:32853', () => {
      const m = decodeStun(SAMPLE_IPV4_RESPONSE, { integrityKey: PASSWORD });
      assert.equal(m.cls, StunClass.Success);
      assert.equal(m.software, 'test vector');
      assert.deepEqual(m.xorMappedAddress, { family: 'IPv4', address: '192.0.2.1', port: 32853 });
      assert.ok(m.hasFingerprint);
      assert.equal(verifyMessageIntegrity(SAMPLE_IPV4_RESPONSE, PASSWORD), true);
      // The encoder produces the same XOR-MAPPED-ADDRESS bytes.
      const enc = decodeStun(encodeStun({ method: 1, cls: 2, transactionId: TXID, xorMappedAddress: m.xorMappedAddress }));
      assert.deepEqual(enc.attributes[0].value, hex('0001a147 e112a643'));
    });

    it('§2.3 IPv6 response: [2001:db8:1234:5678:11:2233:4455:6677]:32853', () => {
      const m = decodeStun(SAMPLE_IPV6_RESPONSE, { integrityKey: PASSWORD });
      assert.deepEqual(m.xorMappedAddress, { family: 'IPv6', address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
      assert.equal(verifyMessageIntegrity(SAMPLE_IPV6_RESPONSE, PASSWORD), true);
      const enc = decodeStun(encodeStun({ method: 1, cls: 2, transactionId: TXID, xorMappedAddress: m.xorMappedAddress }));
      assert.deepEqual(enc.attributes[0].value, hex('0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9'));
    });

    it('§2.4 long-term credentials request', () => {
      const username = '\u30de\u30c8\u30ea\u30c3\u30af\u30b9';
      const key = createHash('md5').update(`${username}:example.org:TheMatrIX`, 'utf8').digest();
      const m = decodeStun(SAMPLE_LONG_TERM_REQUEST, { integrityKey: key });
      assert.equal(m.username, username);
      assert.equal(m.hasFingerprint, false);
      assert.deepEqual(m.unknownRequired, []); // NONCE and REALM are understood (TURN long-term credentials)
      assert.equal(m.nonce, 'f//499k954d6OL34oL9FSTvy64sA');
      assert.equal(m.realm, 'example.org');
      assert.equal(m.integrity, 'sha1');
    });
  });

  describe('round trip', () => {
    it('binding request', () => {
      const req = bindingRequest();
      assert.ok(isStunPacket(req));
      const m = decodeStun(req);
      assert.equal(m.method, StunMethod.Binding);
      assert.equal(m.cls, StunClass.Request);
      assert.deepEqual(m.transactionId, req.subarray(8, 20));
      assert.ok(m.hasFingerprint);
      assert.deepEqual(m.unknownRequired, []);
      assert.notDeepEqual(bindingRequest().subarray(8, 20), m.transactionId); // random ids
    });

    for (const seen of [
      { family: 'IPv4' as const, address: '203.0.113.7', port: 54321 },
      { family: 'IPv6' as const, address: '2001:db8::1', port: 1 },
      { family: 'IPv6' as const, address: 'fe80:0:0:a::1', port: 65535 },
    ]) {
      it(`binding success for ${seen.address}`, () => {
        const req = decodeStun(bindingRequest());
        const res = decodeStun(bindingSuccess(req, seen, 'pinhole test'));
        assert.equal(res.method, StunMethod.Binding);
        assert.equal(res.cls, StunClass.Success);
        assert.deepEqual(res.transactionId, req.transactionId);
        assert.deepEqual(res.xorMappedAddress, seen);
        assert.deepEqual(res.mappedAddress, seen);
        assert.equal(res.software, 'pinhole test');
        assert.ok(res.hasFingerprint);
      });
    }

    it('prints IPv6 in RFC 5952 form (longest zero run compressed, first on a tie)', () => {
      const req = decodeStun(bindingRequest());
      const seen = (address: string) =>
        decodeStun(bindingSuccess(req, { family: 'IPv6', address, port: 1 })).xorMappedAddress?.address;
      assert.equal(seen('fe80:0000:0:a:0:0:0:1'), 'fe80:0:0:a::1');
      assert.equal(seen('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
      assert.equal(seen('fe80::1%eth0'), 'fe80::1');
      assert.equal(seen('::'), '::');
      assert.equal(seen('1:2:3:4:5:6:7:8'), '1:2:3:4:5:6:7:8');
    });

    it('reports an IPv4-mapped IPv6 source (dual-stack socket) as IPv4', () => {
      const req = decodeStun(bindingRequest());
      const res = decodeStun(bindingSuccess(req, { family: 'IPv6', address: '::ffff:198.51.100.4', port: 3478 }));
      assert.deepEqual(res.xorMappedAddress, { family: 'IPv4', address: '198.51.100.4', port: 3478 });
    });

    it('refuses to answer a non-request', () => {
      const res = decodeStun(SAMPLE_IPV4_RESPONSE);
      throwsCode(() => bindingSuccess(res, { family: 'IPv4', address: '1.2.3.4', port: 1 }), 'E_STUN_ENCODE');
    });

    it('integrity, error code and unknown attributes', () => {
      const key = Buffer.from('secret');
      const buf = encodeStun({
        method: StunMethod.Binding, cls: StunClass.Error, transactionId: TXID, username: 'alice',
        errorCode: { code: 420, reason: 'Unknown Attribute' }, unknownAttributes: [0x0024, 0x0003],
        integrityKey: key, fingerprint: true,
      });
      const m = decodeStun(buf, { integrityKey: key });
      assert.equal(m.cls, StunClass.Error);
      assert.deepEqual(m.errorCode, { code: 420, reason: 'Unknown Attribute' });
      assert.deepEqual(m.unknownAttributes, [0x0024, 0x0003]);
      assert.equal(m.username, 'alice');
      assert.equal(verifyMessageIntegrity(buf, key), true);
      throwsCode(() => decodeStun(buf, { integrityKey: Buffer.from('other') }), 'E_STUN_INTEGRITY');
      throwsCode(() => decodeStun(bindingRequest(), { integrityKey: key }), 'E_STUN_INTEGRITY');
      assert.equal(verifyMessageIntegrity(bindingRequest(), key), false);

      // Without FINGERPRINT, tampering is caught by MESSAGE-INTEGRITY alone.
      const bare = encodeStun({ method: 1, cls: 0, transactionId: TXID, username: 'alice', integrityKey: key });
      bare[24] ^= 1; // a byte of the USERNAME value
      assert.equal(verifyMessageIntegrity(bare, key), false);
      throwsCode(() => decodeStun(bare, { integrityKey: key }), 'E_STUN_INTEGRITY');
    });

    it('ignores attributes after MESSAGE-INTEGRITY, except FINGERPRINT', () => {
      const key = Buffer.from('k');
      const signed = encodeStun({ method: 1, cls: 0, transactionId: TXID, integrityKey: key });
      const extra = hex('80220004 65766c21'); // SOFTWARE "evl!" appended by an attacker
      const forged = Buffer.concat([signed, extra]);
      forged.writeUInt16BE(forged.length - 20, 2);
      const m = decodeStun(forged, { integrityKey: key });
      assert.equal(m.software, undefined);
      assert.equal(m.attributes.length, 1);
    });

    it('rejects bad encoder input', () => {
      throwsCode(() => encodeStun({ method: 1, cls: 0, transactionId: Buffer.alloc(11) }), 'E_STUN_ENCODE');
      throwsCode(() => encodeStun({ method: 0x1000, cls: 0, transactionId: TXID }), 'E_STUN_ENCODE');
      throwsCode(() => encodeStun({ method: 1, cls: 2, transactionId: TXID,
        xorMappedAddress: { family: 'IPv4', address: '300.1.1.1', port: 1 } }), 'E_STUN_ENCODE');
      throwsCode(() => encodeStun({ method: 1, cls: 2, transactionId: TXID,
        xorMappedAddress: { family: 'IPv6', address: '1.2.3.4', port: 1 } }), 'E_STUN_ENCODE');
      throwsCode(() => encodeStun({ method: 1, cls: 0, transactionId: TXID,
        attributes: [{ type: StunAttr.Fingerprint, value: Buffer.alloc(4) }] }), 'E_STUN_ENCODE');
    });
  });

  describe('rejections', () => {
    const valid = () => bindingSuccess(decodeStun(bindingRequest(TXID)), { family: 'IPv4', address: '192.0.2.1', port: 9 });

    it('short buffer', () => {
      throwsCode(() => decodeStun(Buffer.alloc(0)), 'E_STUN_SHORT');
      throwsCode(() => decodeStun(valid().subarray(0, 19)), 'E_STUN_SHORT');
    });

    it('not STUN: top bits set or wrong cookie', () => {
      const rtp = valid();
      rtp[0] = 0x80;
      throwsCode(() => decodeStun(rtp), 'E_STUN_NOT_STUN');
      assert.equal(isStunPacket(rtp), false);
      const b = valid();
      b.writeUInt32BE(STUN_MAGIC_COOKIE ^ 1, 4);
      throwsCode(() => decodeStun(b), 'E_STUN_NOT_STUN');
      assert.equal(isStunPacket(b), false);
    });

    it('length field not matching the datagram', () => {
      const b = valid();
      throwsCode(() => decodeStun(b.subarray(0, b.length - 4)), 'E_STUN_LENGTH');
      throwsCode(() => decodeStun(Buffer.concat([b, Buffer.alloc(4)])), 'E_STUN_LENGTH');
      const odd = Buffer.from(b);
      odd.writeUInt16BE(odd.readUInt16BE(2) - 2, 2);
      throwsCode(() => decodeStun(odd), 'E_STUN_LENGTH');
      assert.equal(isStunPacket(odd), false);
    });

    it('attribute overrunning the message', () => {
      const b = encodeStun({ method: 1, cls: 0, transactionId: TXID, software: 'abcd' });
      b.writeUInt16BE(5, 22); // SOFTWARE claims 5 bytes; padded to 8, past the end
      throwsCode(() => decodeStun(b), 'E_STUN_ATTR');
      b.writeUInt16BE(0xffff, 22);
      throwsCode(() => decodeStun(b), 'E_STUN_ATTR');
    });

    it('malformed address, FINGERPRINT not last', () => {
      const b = encodeStun({ method: 1, cls: 2, transactionId: TXID, xorMappedAddress: { family: 'IPv4', address: '1.2.3.4', port: 5 } });
      b[25] = 2; // family IPv6 with an 8-byte value
      throwsCode(() => decodeStun(b), 'E_STUN_ATTR');
      const req = bindingRequest(TXID);
      const after = Buffer.concat([req, hex('80220000')]);
      after.writeUInt16BE(after.length - 20, 2);
      throwsCode(() => decodeStun(after), 'E_STUN_ATTR');
    });

    it('bad fingerprint', () => {
      const b = valid();
      b[b.length - 1] ^= 0xff;
      throwsCode(() => decodeStun(b), 'E_STUN_FINGERPRINT');
      const c = valid();
      c[30] ^= 0x01; // inside XOR-MAPPED-ADDRESS: the CRC covers it
      throwsCode(() => decodeStun(c), 'E_STUN_FINGERPRINT');
    });

    it('too large, checked before anything else', () => {
      throwsCode(() => decodeStun(Buffer.alloc(1501, 0xff)), 'E_STUN_TOO_LARGE');
      throwsCode(() => decodeStun(valid(), { maxSize: 20 }), 'E_STUN_TOO_LARGE');
    });
  });

  it('fuzz: 20,000 random and mutated datagrams throw only WireError', () => {
    const r = rng(0x5eed);
    const int = (n: number) => Math.floor(r() * n);
    const key = Buffer.from('fuzz');
    const seeds = [
      SAMPLE_REQUEST, SAMPLE_IPV4_RESPONSE, SAMPLE_IPV6_RESPONSE, SAMPLE_LONG_TERM_REQUEST, bindingRequest(TXID),
      encodeStun({ method: 1, cls: 3, transactionId: TXID, errorCode: { code: 401, reason: 'x' }, unknownAttributes: [1], integrityKey: key }),
    ];
    const counts = { ok: 0, rejected: 0 };
    for (let i = 0; i < 20000; i++) {
      let buf: Buffer;
      const mode = i % 4;
      if (mode === 0) {
        buf = Buffer.from(Array.from({ length: int(601) }, () => int(256)));
      } else if (mode === 1 || mode === 2) {
        buf = Buffer.from(seeds[int(seeds.length)]);
        for (let k = 1 + int(4); k > 0; k--) buf[int(buf.length)] ^= 1 + int(255); // flipped bytes
        if (mode === 2) buf = buf.subarray(0, int(buf.length + 1)); // truncation
      } else {
        // Valid header and length, random TLVs: reaches the attribute decoders.
        const body = Buffer.from(Array.from({ length: 4 * int(40) }, () => int(256)));
        for (let o = 0; o + 4 <= body.length; o += 4 + 4 * int(6)) {
          const t = FUZZ_TYPES[int(FUZZ_TYPES.length)];
          body.writeUInt16BE(t < 0 ? int(0x10000) : t, o);
          body.writeUInt16BE(int(24), o + 2);
        }
        buf = Buffer.concat([bindingRequest(TXID).subarray(0, 20), body]);
        buf.writeUInt16BE(body.length, 2);
      }
      try {
        decodeStun(buf);
        verifyMessageIntegrity(buf, key);
        counts.ok++;
      } catch (e) {
        if (!(e instanceof WireError)) {
          assert.fail(`iteration ${i}: ${String(e)} for ${buf.toString('hex')}`);
        }
        counts.rejected++;
      }
      assert.equal(typeof isStunPacket(buf), 'boolean');
    }
    assert.ok(counts.ok > 0 && counts.rejected > 0, JSON.stringify(counts));
  });
});
