import { strict as assert } from 'assert';
import * as path from 'path';
import * as protobuf from 'protobufjs';
import { FrameDecoder, SCHEMAS_DIR, WireError } from '@pinhole/core';
import { decodeFileFrame, encodeFileFrame, MAX_FILE_FRAME, type FileFrame } from '@pinhole/payload-file';

const T = protobuf.loadSync(path.join(SCHEMAS_DIR, 'payload.proto')).lookupType('pinhole.payload.FileFrame');
const raw = (obj: Record<string, unknown>): Buffer => Buffer.from(T.encode(T.fromObject(obj)).finish());
const body = (framed: Buffer): Buffer => framed.subarray(4);
const sha = Buffer.alloc(32, 0xab);
const wire = (code: string) => (e: unknown) => e instanceof WireError && e.code === code;

describe('payload-file wire (schemas/payload.proto)', () => {
  it('every frame round-trips through its length-prefixed encoding', () => {
    const frames: FileFrame[] = [
      { kind: 'offer', id: 1, name: 'report.pdf', size: 2 ** 40, pieceBytes: 1 << 21, version: '1099511627776:1700000000000000000' },
      { kind: 'accept', id: 1, have: Buffer.from([0b1011, 0xff]), streams: 8 },
      { kind: 'refuse', id: 2, code: 'E_FILE_EXISTS', message: 'already there' },
      { kind: 'piece', id: 2, index: 524287, size: 1 << 20, sha256: sha },
      { kind: 'ack', id: 3, bytes: 1 << 20, piece: 7 },
      { kind: 'end', id: 3, root: sha },
      { kind: 'done', id: 3, size: 0, root: sha },
      { kind: 'error', id: 0, code: 'E_WIRE_DECODE', message: '' },
      { kind: 'cancel', id: 4, code: 'E_FILE_CANCELLED', message: 'user' },
    ];
    for (const f of frames) {
      const framed = encodeFileFrame(f);
      assert.equal(framed.readUInt32BE(0), framed.length - 4);
      assert.deepEqual(decodeFileFrame(body(framed)), f);
    }
  });

  it('the frame cap admits an accept for the most pieces and refuses a bigger announcement before reading it', () => {
    const d = new FrameDecoder(MAX_FILE_FRAME);
    assert.equal(d.push(encodeFileFrame({ kind: 'accept', id: 1, have: Buffer.alloc((1 << 19) / 8, 0xff), streams: 1 })).length, 1);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(MAX_FILE_FRAME + 1);
    assert.throws(() => new FrameDecoder(MAX_FILE_FRAME).push(head), wire('E_FRAME_TOO_LARGE'));
  });

  const offer = { id: 1, name: 'a', size: 1, pieceBytes: 1 << 20, version: 'v' };
  const invalid: Array<[string, Record<string, unknown>]> = [
    ['a root that is not 32 bytes', { end: { id: 1, root: Buffer.alloc(31) } }],
    ['transfer id 0 on an offer', { offer: { ...offer, id: 0 } }],
    ['a size beyond 2^53', { offer: { ...offer, size: '18446744073709551615' } }],
    ['an offer name over 1 KiB', { offer: { ...offer, name: 'x'.repeat(1025) } }],
    ['a piece size that is not a power of two', { offer: { ...offer, pieceBytes: 1000000 } }],
    ['a piece size under 64 KiB', { offer: { ...offer, pieceBytes: 1 << 15 } }],
    ['more pieces than a bitmap frame holds', { offer: { ...offer, size: 2 ** 40, pieceBytes: 1 << 20 } }],
    ['an offer version over 64 characters', { offer: { ...offer, version: 'v'.repeat(65) } }],
    ['an accept for 0 streams', { accept: { id: 1, have: Buffer.alloc(1), streams: 0 } }],
    ['an accept for 17 streams', { accept: { id: 1, have: Buffer.alloc(1), streams: 17 } }],
    ['an error code that is not E_…', { refuse: { id: 1, code: 'nope', message: 'm' } }],
    ['a message over 2048 characters', { cancel: { id: 1, code: 'E_X', message: 'm'.repeat(2049) } }],
    ['an empty piece', { piece: { id: 1, index: 0, size: 0, sha256: sha } }],
    ['a piece over 64 MiB', { piece: { id: 1, index: 0, size: (1 << 26) + 1, sha256: sha } }],
    ['an ack beyond 2^53', { ack: { id: 1, bytes: '9007199254740993' } }],
  ];
  for (const [what, obj] of invalid)
    it(`rejects ${what} (E_WIRE_INVALID, saying both sides should update)`, () => {
      assert.throws(() => decodeFileFrame(raw(obj)), (e: unknown) => wire('E_WIRE_INVALID')(e) && /incompatible or broken payload-file/.test((e as Error).message));
    });

  it('rejects undecodable bytes (E_WIRE_DECODE) and frames with no known body (E_WIRE_EMPTY)', () => {
    assert.throws(() => decodeFileFrame(Buffer.from([0x0a, 0x05, 0x01])), wire('E_WIRE_DECODE'));
    assert.throws(() => decodeFileFrame(Buffer.alloc(0)), wire('E_WIRE_EMPTY'));
    assert.throws(() => decodeFileFrame(Buffer.from([0x78, 0x01])), wire('E_WIRE_EMPTY')); // field 15: a newer protocol
  });

  it('refuses to encode a frame the schema does not allow, and truncates over-long messages', () => {
    assert.throws(() => encodeFileFrame({ kind: 'ack', id: 1, bytes: 'x' as unknown as number, piece: 0 }), wire('E_WIRE_INVALID'));
    const long = encodeFileFrame({ kind: 'error', id: 1, code: 'E_X', message: 'y'.repeat(5000) });
    const back = decodeFileFrame(body(long));
    assert.ok(back.kind === 'error' && back.message.length === 2048);
  });
});
