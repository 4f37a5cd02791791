import { strict as assert } from 'assert';
import {
  base32,
  classifyAllowEntry,
  DatagramType,
  decodeDatagram,
  decodeSealedHeader,
  encodeDatagram,
  fingerprint,
  isPlainPeerName,
  isSealedDatagram,
  MAX_SEALED_COUNTER,
  normalizeFingerprint,
  parsePublicKey,
  policyAllows,
  policyProblem,
  publicKeyText,
  registrationDigest,
  SEALED_HEADER_BYTES,
  writeSealedHeader,
  type CallPolicy,
  type Registration,
} from '@pinhole/core';

const RFC8032_1 = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex');
const RFC8032_2 = Buffer.from('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', 'hex');

describe('security helpers (core)', () => {
  describe('key text and fingerprints', () => {
    it('base32 follows RFC 4648 (lower case, no padding)', () => {
      const vectors: Array<[string, string]> = [['', ''], ['f', 'my'], ['fo', 'mzxq'], ['foo', 'mzxw6'], ['foob', 'mzxw6yq'], ['fooba', 'mzxw6ytb'], ['foobar', 'mzxw6ytboi']];
      for (const [input, out] of vectors) assert.equal(base32(Buffer.from(input)), out);
    });

    it('fingerprints: first 16 base32 characters of SHA-256(raw key), dashed (vectors computed independently)', () => {
      assert.equal(fingerprint(RFC8032_1), 'eh7d-dx5b-ksrg-cytl');
      assert.equal(fingerprint(RFC8032_2), 'hh3r-hufg-iqst-6bcs');
      assert.equal(fingerprint(new Uint8Array(32)), 'mzuh-vlpy-mk6x-o3ep');
    });

    it('public key text is base64url of the 32 raw bytes and parses back; anything else is refused', () => {
      assert.equal(publicKeyText(RFC8032_1), '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo');
      assert.deepEqual(Buffer.from(parsePublicKey('11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo')!), RFC8032_1);
      assert.equal(parsePublicKey('11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR'), undefined, '42 characters');
      assert.equal(parsePublicKey('11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURoA'), undefined, '44 characters');
      assert.equal(parsePublicKey('11qYAYKxCrfVS+7TyWQHOg7hcvPapiMlrwIaaPcHURo'), undefined, 'base64, not base64url');
      assert.equal(parsePublicKey('A'.repeat(42) + 'B'), undefined, 'non-canonical trailing bits');
    });

    it('fingerprints typed in any case normalize; without dashes they are not fingerprints', () => {
      assert.equal(normalizeFingerprint('EH7D-DX5B-KSRG-CYTL'), 'eh7d-dx5b-ksrg-cytl');
      assert.equal(normalizeFingerprint('eh7ddx5bksrgcytl'), undefined);
      assert.equal(normalizeFingerprint('eh7d-dx5b-ksrg-cyt1'), undefined, '1 is not base32');
    });
  });

  describe('call policy', () => {
    const alice = RFC8032_1;
    const mallory = RFC8032_2;
    const list = (...allow: string[]): CallPolicy => ({ mode: 'list', allow, optimistic: false });

    it('classifies allow entries: name, fingerprint, key, or nothing', () => {
      assert.deepEqual(classifyAllowEntry('alice'), { kind: 'name', value: 'alice' });
      assert.deepEqual(classifyAllowEntry('EH7D-DX5B-KSRG-CYTL'), { kind: 'fingerprint', value: 'eh7d-dx5b-ksrg-cytl' });
      assert.deepEqual(classifyAllowEntry(publicKeyText(alice)), { kind: 'key', value: publicKeyText(alice) });
      for (const bad of ['', 'a b', 'bad!', '-x', 'A'.repeat(42) + 'B', 'x'.repeat(65)]) assert.equal(classifyAllowEntry(bad), undefined, bad);
      assert.equal(isPlainPeerName('alice'), true);
      assert.equal(isPlainPeerName('eh7d-dx5b-ksrg-cytl'), false);
      assert.equal(isPlainPeerName(publicKeyText(alice)), false);
    });

    it('any admits, none refuses, list matches by name, fingerprint or key', () => {
      assert.equal(policyAllows({ mode: 'any', allow: [], optimistic: false }, 'whoever', mallory), true);
      assert.equal(policyAllows({ mode: 'none', allow: ['alice'], optimistic: false }, 'alice', alice), false);
      assert.equal(policyAllows(list('alice'), 'alice', alice), true);
      assert.equal(policyAllows(list('bob', 'EH7D-DX5B-KSRG-CYTL'), 'renamed', alice), true);
      assert.equal(policyAllows(list(publicKeyText(alice)), 'renamed', alice), true);
      assert.equal(policyAllows(list('alice', publicKeyText(alice), 'eh7d-dx5b-ksrg-cytl'), 'mallory', mallory), false);
    });

    it('a caller named like an allowed fingerprint or key does not pass by name', () => {
      assert.equal(policyAllows(list('eh7d-dx5b-ksrg-cytl'), 'eh7d-dx5b-ksrg-cytl', mallory), false);
      assert.equal(policyAllows(list(publicKeyText(alice)), publicKeyText(alice), mallory), false);
    });

    it('policyProblem refuses malformed policies from the network', () => {
      assert.equal(policyProblem(list('alice', 'eh7d-dx5b-ksrg-cytl')), undefined);
      assert.match(policyProblem({ mode: 'all' as never, allow: [], optimistic: false })!, /mode/);
      assert.match(policyProblem(list('bad name'))!, /not a peer name/);
      assert.match(policyProblem({ mode: 'any', allow: ['alice'], optimistic: false })!, /takes no allow/);
      assert.match(policyProblem(list(...Array.from({ length: 1025 }, (_, i) => `p${i}`)))!, /at most 1024/);
    });
  });

  describe('registrationDigest', () => {
    const challenge = Buffer.alloc(32, 7);
    const base = (): Registration => ({
      peerId: 'alice',
      protocolVersion: 2,
      candidates: [
        { address: '10.0.0.1', port: 4000, kind: 'host' },
        { address: '203.0.113.5', port: 4001, kind: 'reflexive' },
      ],
      payloadTypes: ['file', 'voice'],
      meta: { a: '1', b: '2' },
      identity: { publicKey: RFC8032_1 },
      policy: { mode: 'list', allow: ['bob', 'carol'], optimistic: false },
    });
    const digest = (r: Registration, c: Uint8Array = challenge) => registrationDigest(c, r).toString('hex');

    it('is a 32-byte SHA-256 that list order, meta order and the verified flag do not change', () => {
      const r = base();
      assert.equal(registrationDigest(challenge, r).length, 32);
      const shuffled: Registration = {
        ...r,
        candidates: [...r.candidates].reverse(),
        payloadTypes: ['voice', 'file'],
        meta: { b: '2', a: '1' },
        policy: { ...r.policy!, allow: ['carol', 'bob'] },
        identity: { ...r.identity!, verified: true, signature: new Uint8Array(64) },
      };
      assert.equal(digest(shuffled), digest(r));
    });

    it('changes with the challenge and with every field', () => {
      const ref = digest(base());
      const variants: Array<[string, (r: Registration) => void]> = [
        ['peer id', (r) => (r.peerId = 'alicf')],
        ['protocol version', (r) => (r.protocolVersion = 3)],
        ['public key', (r) => (r.identity = { publicKey: RFC8032_2 })],
        ['no public key', (r) => delete r.identity],
        ['candidate address', (r) => (r.candidates[0].address = '10.0.0.2')],
        ['candidate port', (r) => (r.candidates[0].port = 4002)],
        ['candidate kind', (r) => (r.candidates[1].kind = 'host')],
        ['one more candidate', (r) => r.candidates.push({ address: '192.0.2.1', port: 1, kind: 'relay' })],
        ['payload types', (r) => (r.payloadTypes = ['file'])],
        ['payload split', (r) => (r.payloadTypes = ['fil', 'evoice'])],
        ['meta value', (r) => (r.meta.a = '2')],
        ['meta split', (r) => (r.meta = { a: '12', b: '' })],
        ['policy mode', (r) => (r.policy = { ...r.policy!, mode: 'any', allow: [] })],
        ['policy optimistic', (r) => (r.policy = { ...r.policy!, optimistic: true })],
        ['policy allow', (r) => (r.policy = { ...r.policy!, allow: ['bob', 'mallory'] })],
        ['no policy', (r) => delete r.policy],
      ];
      const seen = new Set([ref]);
      for (const [what, change] of variants) {
        const r = base();
        change(r);
        const d = digest(r);
        assert.notEqual(d, ref, what);
        seen.add(d);
      }
      assert.equal(seen.size, variants.length + 1, 'every variant has its own digest');
      assert.notEqual(digest(base(), Buffer.alloc(32, 8)), ref, 'challenge');
    });
  });

  describe('datagram layouts', () => {
    it('v1 carries HANDSHAKE_INIT (6) and HANDSHAKE_RESP (7) with the CRC', () => {
      for (const type of [DatagramType.HANDSHAKE_INIT, DatagramType.HANDSHAKE_RESP]) {
        const d = decodeDatagram(encodeDatagram(type, 1, 2, Buffer.from('noise')));
        assert.equal(d.type, type);
        assert.equal(d.payload.toString(), 'noise');
      }
    });

    const sealed = (type: number, body: number, counter: number) => {
      const b = Buffer.alloc(SEALED_HEADER_BYTES + body);
      writeSealedHeader(b, type as never, body, 0xdeadbeef, 7, counter);
      return b;
    };

    it('sealed header: 20 bytes, 0x52, big-endian ids and u64 counter, parsed without decrypting', () => {
      const b = sealed(DatagramType.DATA, 40, 2 ** 40 + 5);
      assert.equal(b[0], 0x52);
      assert.equal(b.readBigUInt64BE(12), BigInt(2 ** 40 + 5));
      assert.equal(isSealedDatagram(b), true);
      assert.deepEqual(decodeSealedHeader(b), { type: DatagramType.DATA, size: 40, dst: 0xdeadbeef, src: 7, counter: 2 ** 40 + 5 });
      assert.equal(decodeSealedHeader(sealed(DatagramType.HANGUP, 16, MAX_SEALED_COUNTER)).counter, MAX_SEALED_COUNTER);
    });

    it('sealed header faults have their codes; v1 decoding refuses version 2', () => {
      const code = (b: Buffer) => {
        try {
          decodeSealedHeader(b);
          return 'ok';
        } catch (err) {
          return (err as { code: string }).code;
        }
      };
      assert.equal(code(sealed(DatagramType.DATA, 15, 0)), 'E_DGRAM_SHORT', 'no room for the tag');
      assert.equal(code(sealed(DatagramType.DATA, 1181, 0)), 'E_DGRAM_TOO_LARGE');
      assert.equal(code(Buffer.concat([sealed(DatagramType.DATA, 20, 0), Buffer.alloc(1)])), 'E_DGRAM_SIZE');
      for (const t of [DatagramType.NULL, DatagramType.HANDSHAKE_INIT, DatagramType.HANDSHAKE_RESP, 9]) assert.equal(code(sealed(t, 16, 0)), 'E_DGRAM_TYPE', `type ${t}`);
      const far = sealed(DatagramType.DATA, 16, 0);
      far.writeUInt32BE(2 ** 21, 12);
      assert.equal(code(far), 'E_DGRAM_COUNTER');
      const v1 = sealed(DatagramType.DATA, 16, 0);
      v1[0] = 0x51;
      assert.equal(code(v1), 'E_DGRAM_VERSION');
      assert.throws(() => decodeDatagram(sealed(DatagramType.DATA, 16, 0)), { code: 'E_DGRAM_VERSION' });
    });
  });
});
