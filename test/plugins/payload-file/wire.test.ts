import { strict as assert } from 'assert';
import * as path from 'path';
import * as protobuf from 'protobufjs';
import { FrameDecoder, SCHEMAS_DIR, WireError } from '@pinhole/core';
import { chunkFrameHeader, decodeFileFrame, encodeFileFrame, MAX_CHUNK_BYTES, MAX_FILE_FRAME, type FileFrame } from '@pinhole/payload-file';

const T = protobuf.loadSync(path.join(SCHEMAS_DIR, 'payload.proto')).lookupType('pinhole.payload.FileFrame');
const raw = (obj: Record<string, unknown>): Buffer => Buffer.from(T.encode(T.fromObject(obj)).finish());
const body = (framed: Buffer): Buffer => framed.subarray(4);
const sha = Buffer.alloc(32, 0xab);
const wire = (code: string) => (e: unknown) => e instanceof WireError && e.code === code;

describe('payload-file wire (schemas/payload.proto)', () => {
  it('every control frame round-trips through its length-prefixed encoding', () => {
    const frames: Array<Exclude<FileFrame, { kind: 'chunk' }>> = [
      { kind: 'offer', id: 1, name: 'report.pdf', size: 2 ** 40, sha256: sha },
      { kind: 'accept', id: 1, offset: 123456789 },
      { kind: 'refuse', id: 2, code: 'E_FILE_EXISTS', message: 'already there' },
      { kind: 'ack', id: 3, bytes: 1 << 20 },
      { kind: 'done', id: 3, size: 0, sha256: sha },
      { kind: 'error', id: 0, code: 'E_WIRE_DECODE', message: '' },
      { kind: 'cancel', id: 4, code: 'E_FILE_CANCELLED', message: 'user' },
    ];
    for (const f of frames) {
      const framed = encodeFileFrame(f);
      assert.equal(framed.readUInt32BE(0), framed.length - 4);
      assert.deepEqual(decodeFileFrame(body(framed)), f);
    }
  });

  it('a chunk frame header is exactly what protobufjs encodes, for every varint width', () => {
    for (const n of [1, 127, 128, 16383, 16384, MAX_CHUNK_BYTES]) {
      const data = Buffer.alloc(n, n & 0xff);
      const ours = Buffer.concat([chunkFrameHeader(n), data]);
      const theirs = raw({ chunk: data });
      assert.equal(ours.readUInt32BE(0), theirs.length);
      assert.deepEqual(ours.subarray(4), theirs);
      assert.deepEqual(decodeFileFrame(ours.subarray(4)), { kind: 'chunk', data });
    }
    assert.throws(() => chunkFrameHeader(0), wire('E_WIRE_INVALID'));
    assert.throws(() => chunkFrameHeader(MAX_CHUNK_BYTES + 1), wire('E_WIRE_INVALID'));
  });

  it('the frame cap admits the largest chunk and refuses a bigger announcement before reading it', () => {
    const d = new FrameDecoder(MAX_FILE_FRAME);
    assert.equal(d.push(Buffer.concat([chunkFrameHeader(MAX_CHUNK_BYTES), Buffer.alloc(MAX_CHUNK_BYTES)])).length, 1);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(MAX_FILE_FRAME + 1);
    assert.throws(() => new FrameDecoder(MAX_FILE_FRAME).push(head), wire('E_FRAME_TOO_LARGE'));
  });

  const invalid: Array<[string, Record<string, unknown>]> = [
    ['a digest that is not 32 bytes', { offer: { id: 1, name: 'a', size: 1, sha256: Buffer.alloc(31) } }],
    ['transfer id 0 on an offer', { offer: { id: 0, name: 'a', size: 1, sha256: sha } }],
    ['a size beyond 2^53', { offer: { id: 1, name: 'a', size: '18446744073709551615', sha256: sha } }],
    ['an offer name over 1 KiB', { offer: { id: 1, name: 'x'.repeat(1025), size: 1, sha256: sha } }],
    ['an error code that is not E_…', { refuse: { id: 1, code: 'nope', message: 'm' } }],
    ['a message over 2048 characters', { cancel: { id: 1, code: 'E_X', message: 'm'.repeat(2049) } }],
    ['an empty chunk', { chunk: Buffer.alloc(0) }],
    ['an ack beyond 2^53', { ack: { id: 1, bytes: '9007199254740993' } }],
  ];
  for (const [what, obj] of invalid)
    it(`rejects ${what} (E_WIRE_INVALID, saying both sides should update)`, () => {
      assert.throws(() => decodeFileFrame(raw(obj)), (e: unknown) => wire('E_WIRE_INVALID')(e) && /incompatible or broken payload-file/.test((e as Error).message));
    });

  it('rejects undecodable bytes (E_WIRE_DECODE) and frames with no known body (E_WIRE_EMPTY)', () => {
    assert.throws(() => decodeFileFrame(Buffer.from([0x0a, 0x05, 0x01])), wire('E_WIRE_DECODE'));
    assert.throws(() => decodeFileFrame(Buffer.alloc(0)), wire('E_WIRE_EMPTY'));
    assert.throws(() => decodeFileFrame(Buffer.from([0x48, 0x01])), wire('E_WIRE_EMPTY')); // field 9: a newer protocol
  });

  it('refuses to encode a frame the schema does not allow, and truncates over-long messages', () => {
    assert.throws(() => encodeFileFrame({ kind: 'accept', id: 1, offset: 'x' as unknown as number }), wire('E_WIRE_INVALID'));
    const long = encodeFileFrame({ kind: 'error', id: 1, code: 'E_X', message: 'y'.repeat(5000) });
    const back = decodeFileFrame(body(long));
    assert.ok(back.kind === 'error' && back.message.length === 2048);
  });
});
