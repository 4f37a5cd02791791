import { strict as assert } from 'assert';
import {
  DATAGRAM_HEADER_BYTES,
  DatagramType,
  decodeControl,
  decodeDatagram,
  encodeControl,
  encodeDatagram,
  encodeFrame,
  FrameDecoder,
  MAX_DATAGRAM_BYTES,
  MAX_DATAGRAM_PAYLOAD,
  WireError,
} from '@pinhole/core';
import { rng } from '../helpers/rng';

const code = (c: string) => (err: unknown) => err instanceof WireError && err.code === c;

describe('wire: control messages', () => {
  it('round-trips every field of a registration', () => {
    const env = {
      register: {
        peerId: 'alice',
        protocolVersion: 2,
        candidates: [{ address: '10.0.0.2', port: 5000, kind: 0 }],
        payloadTypes: ['voice', 'file'],
        meta: { ua: 'test' },
        publicKey: Buffer.alloc(32, 7),
        signature: Buffer.alloc(64, 9),
        policy: { mode: 1, allow: ['bob', 'abcd-efgh-ijkl-mnop'], optimistic: true },
      },
    };
    const back = decodeControl(encodeControl(env));
    assert.equal(back.kind, 'register');
    const r = back.register!;
    assert.deepEqual({ ...r, publicKey: Buffer.from(r.publicKey!), signature: Buffer.from(r.signature!) }, env.register);
  });

  it('refuses an envelope with no body, and one over the cap, with WireError', () => {
    assert.throws(() => encodeControl({}), code('E_WIRE_EMPTY'));
    assert.throws(() => decodeControl(Buffer.alloc(0)), code('E_WIRE_EMPTY'));
    assert.throws(() => decodeControl(Buffer.alloc(70000)), code('E_FRAME_TOO_LARGE'));
    assert.throws(() => encodeControl({ register: { peerId: 5 } as never }), code('E_WIRE_INVALID'));
  });

  it('turns protobuf faults (truncated, wrong wire type) into WireError', () => {
    const good = encodeControl({ callRequest: { callId: 'c1', calleeId: 'bob' } });
    assert.throws(() => decodeControl(good.subarray(0, good.length - 2)), code('E_WIRE_DECODE'));
    assert.throws(() => decodeControl(Buffer.from([0x0f, 0xff, 0xff])), (e: unknown) => e instanceof WireError);
  });

  it('survives 20,000 random and mutated inputs with only WireError', () => {
    const r = rng(2);
    const seeds = [
      encodeControl({ callRequest: { callId: 'c1', calleeId: 'bob', payloadTypes: ['voice'] } }),
      encodeControl({ openWindow: { callId: 'c', callerId: 'a', callerCandidates: [{ address: '1.2.3.4', port: 9, kind: 1 }], callerEndpoint: 7, calleeEndpoint: 8 } }),
    ];
    for (let i = 0; i < 20000; i++) {
      let buf: Buffer;
      if (i % 2) buf = r.bytes(r.int(0, 300));
      else {
        buf = Buffer.from(seeds[i % seeds.length]);
        for (let k = 0; k < 1 + r.int(0, 4); k++) buf[r.int(0, buf.length - 1)] = r.int(0, 255);
        buf = buf.subarray(0, r.int(0, buf.length));
      }
      try {
        decodeControl(buf);
      } catch (err) {
        if (!(err instanceof WireError)) throw new Error(`non-WireError for ${buf.toString('hex')}: ${err}`);
      }
    }
  });
});

describe('wire: TCP framing', () => {
  it('reassembles frames split across chunks and several frames in one chunk', () => {
    const a = encodeFrame(Buffer.from('hello'));
    const b = encodeFrame(Buffer.from('world!'));
    const all = Buffer.concat([a, b, encodeFrame(Buffer.alloc(0))]);
    const d = new FrameDecoder();
    const out: string[] = [];
    for (const byte of all) for (const f of d.push(Buffer.from([byte]))) out.push(f.toString());
    assert.deepEqual(out, ['hello', 'world!', '']);
    assert.equal(d.pending, 0);
  });

  it('refuses an oversize frame from its 4-byte header, before buffering the body', () => {
    const d = new FrameDecoder(1024);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(1025);
    assert.throws(() => d.push(head), (e: unknown) => code('E_FRAME_TOO_LARGE')(e) && /1025 bytes announced, over the 1024-byte cap/.test((e as Error).message));
    assert.equal(d.pending, 0);
    assert.throws(() => d.push(Buffer.alloc(10)), code('E_FRAME_STREAM_FAILED'));
  });

  it('holds at most cap + 4 bytes for an incomplete frame', () => {
    const d = new FrameDecoder(100);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(100);
    d.push(head);
    d.push(Buffer.alloc(99));
    assert.equal(d.pending, 103);
    assert.equal(d.push(Buffer.alloc(1)).length, 1);
  });

  it('random byte streams either frame or fail with WireError', () => {
    const r = rng(3);
    for (let i = 0; i < 2000; i++) {
      const d = new FrameDecoder(256);
      try {
        for (let k = 0; k < 5; k++) d.push(r.bytes(r.int(0, 200)));
      } catch (err) {
        assert.ok(err instanceof WireError, String(err));
      }
    }
  });
});

describe('wire: datagram header (Figure 8)', () => {
  it('round-trips a null packet and a data packet', () => {
    const n = encodeDatagram(DatagramType.NULL, 0xdeadbeef, 7);
    assert.equal(n.length, DATAGRAM_HEADER_BYTES);
    assert.deepEqual({ ...decodeDatagram(n), payload: undefined }, { type: DatagramType.NULL, dst: 0xdeadbeef, src: 7, payload: undefined });
    const d = decodeDatagram(encodeDatagram(DatagramType.DATA, 1, 2, Buffer.from('voice')));
    assert.equal(d.payload.toString(), 'voice');
  });

  it('keeps datagrams within 1200 bytes', () => {
    assert.equal(encodeDatagram(DatagramType.DATA, 1, 2, Buffer.alloc(MAX_DATAGRAM_PAYLOAD)).length, MAX_DATAGRAM_BYTES);
    assert.throws(() => encodeDatagram(DatagramType.DATA, 1, 2, Buffer.alloc(MAX_DATAGRAM_PAYLOAD + 1)), code('E_DGRAM_TOO_LARGE'));
    assert.throws(() => decodeDatagram(Buffer.alloc(MAX_DATAGRAM_BYTES + 1)), code('E_DGRAM_TOO_LARGE'));
  });

  it('rejects every malformation with a reason', () => {
    const good = encodeDatagram(DatagramType.DATA, 1, 2, Buffer.from('abcd'));
    const mut = (f: (b: Buffer) => void) => {
      const b = Buffer.from(good);
      f(b);
      return b;
    };
    assert.throws(() => decodeDatagram(good.subarray(0, 10)), code('E_DGRAM_SHORT'));
    assert.throws(() => decodeDatagram(mut((b) => (b[0] = 0x52))), (e: unknown) => code('E_DGRAM_VERSION')(e) && /version 2 is not supported/.test((e as Error).message));
    assert.throws(() => decodeDatagram(mut((b) => (b[0] = 0xff))), (e: unknown) => code('E_DGRAM_VERSION')(e) && /not a Pinhole datagram/.test((e as Error).message));
    assert.throws(() => decodeDatagram(good.subarray(0, good.length - 1)), code('E_DGRAM_SIZE'));
    assert.throws(() => decodeDatagram(Buffer.concat([good, Buffer.alloc(1)])), code('E_DGRAM_SIZE'));
    assert.throws(() => decodeDatagram(mut((b) => (b[17] ^= 1))), code('E_DGRAM_CRC'));
    assert.throws(() => decodeDatagram(mut((b) => (b[12] ^= 1))), code('E_DGRAM_CRC'));
    assert.throws(() => encodeDatagram(9 as never, 1, 2), code('E_DGRAM_TYPE'));
    assert.throws(() => encodeDatagram(DatagramType.NULL, 1, 2, Buffer.from('x')), code('E_DGRAM_NULL_PAYLOAD'));
  });

  it('rejects an unknown message id even with a valid CRC', () => {
    const { crc32 } = require('zlib') as typeof import('zlib');
    const b = encodeDatagram(DatagramType.DATA, 1, 2);
    b[1] = 42;
    b.writeUInt32BE(crc32(b.subarray(0, 12)), 12);
    assert.throws(() => decodeDatagram(b), code('E_DGRAM_TYPE'));
  });

  it('survives 50,000 random and mutated datagrams with only WireError', () => {
    const r = rng(4);
    const good = encodeDatagram(DatagramType.DATA, 9, 8, Buffer.from('payload'));
    for (let i = 0; i < 50000; i++) {
      const buf = i % 2 ? r.bytes(r.int(0, 1300)) : Buffer.from(good).fill(r.int(0, 255), r.int(0, good.length - 1), r.int(0, good.length));
      if (i % 2 && r.int(0, 1)) buf[0] = 0x51;
      try {
        decodeDatagram(buf);
      } catch (err) {
        if (!(err instanceof WireError)) throw new Error(`non-WireError: ${err}`);
      }
    }
  });
});
