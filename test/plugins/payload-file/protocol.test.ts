import { strict as assert } from 'assert';
import * as fs from 'fs';
import { PinholeError } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { Pieces, type FileEndpoint } from '@pinhole/payload-file';
import { fileHost, filePayload, RawFilePeer } from '../../helpers/file-peers';
import { listDir, randomFile, tempDir } from '../../helpers/files';
import { sessionPair, type SessionPair } from '../../helpers/session-pair';

const offer = (id: number, name: string, size: number) => ({ kind: 'offer' as const, id, name, size, pieceBytes: 1 << 20, version: 'v1' });
const firstError = (ep: FileEndpoint): Promise<PinholeError> => new Promise((r) => ep.onError(r));

describe('payload-file: frames out of turn from a broken or hostile peer', function () {
  this.timeout(20000);
  let host: Host;
  let pair: SessionPair;
  let dir: string;

  beforeEach(async () => {
    host = await fileHost();
    pair = await sessionPair(host);
    dir = tempDir('proto');
  });
  afterEach(async () => {
    await pair.close();
    await host.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The receiver's endpoint after `script` ran against it: its error, the stream-level error it sent back, and that it closed. */
  async function againstReceiver(script: (raw: RawFilePeer) => Promise<void>): Promise<{ err: PinholeError; told: string }> {
    const rx = filePayload(host).attach(pair.bs, { inbox: dir });
    const raw = new RawFilePeer(pair.as);
    const failed = firstError(rx);
    await script(raw);
    const err = await failed;
    let told = '';
    for (let f = await raw.next(); ; f = await raw.next())
      if (f.kind === 'error' && f.id === 0) {
        told = f.code;
        break;
      }
    await rx.closed;
    raw.destroy();
    return { err, told };
  }

  it('a piece of a transfer never offered: E_FILE_PROTOCOL, the peer is told, the endpoint closes', async () => {
    const { err, told } = await againstReceiver(async (raw) => {
      raw.send(offer(1, 'one.bin', 10));
      assert.equal((await raw.next()).kind, 'accept');
      raw.piece(0, { id: 2, index: 0 }, Buffer.from('sneaky'));
    });
    assert.equal(err.code, 'E_FILE_PROTOCOL');
    assert.match(err.message, /piece 0 of transfer 2, which was never offered.*same payload-file version/);
    assert.equal(told, 'E_FILE_PROTOCOL');
    assert.deepEqual(listDir(dir), ['.one.bin.pinhole-part', '.one.bin.pinhole-part.pieces'], 'the accepted file keeps its (empty) part');
  });

  it('a second offer while a file is still arriving: E_FILE_PROTOCOL, the first part is kept for resuming', async () => {
    const { err } = await againstReceiver(async (raw) => {
      raw.send(offer(1, 'first.bin', 3 << 20));
      assert.equal((await raw.next()).kind, 'accept');
      raw.piece(0, { id: 1, index: 0 }, Buffer.alloc(1 << 20));
      await new Promise((r) => setTimeout(r, 100));
      raw.send(offer(2, 'second.bin', 10));
    });
    assert.equal(err.code, 'E_FILE_PROTOCOL');
    assert.deepEqual(listDir(dir), ['.first.bin.pinhole-part', '.first.bin.pinhole-part.pieces']);
  });

  it('offer ids that do not increase: E_FILE_PROTOCOL', async () => {
    const { err } = await againstReceiver(async (raw) => {
      raw.send(offer(5, 'a.bin', 0));
      assert.equal((await raw.next()).kind, 'accept');
      raw.send({ kind: 'end', id: 5, root: new Pieces(0, 1 << 20).root([]) });
      assert.equal((await raw.next()).kind, 'done');
      raw.send(offer(5, 'b.bin', 0));
    });
    assert.match(err.message, /offer id 5 is not above the previous 5/);
  });

  it('a cancel for a transfer never offered: E_FILE_PROTOCOL', async () => {
    const { err } = await againstReceiver(async (raw) => raw.send({ kind: 'cancel', id: 9, code: 'E_X', message: 'x' }));
    assert.match(err.message, /cancel for transfer 9, which was never offered/);
  });

  describe('against a sender', () => {
    async function againstSender(answer: (raw: RawFilePeer, offer: { id: number; size: number }) => void): Promise<PinholeError> {
      const raw = new RawFilePeer(pair.bs);
      const tx = filePayload(host).attach(pair.as);
      const sending = tx.send({ path: await randomFile(dir, 'src.bin', 300_000) }).then(
        () => assert.fail('send() resolved'),
        (e: unknown) => e as PinholeError,
      );
      const offer = await raw.next();
      assert.equal(offer.kind, 'offer');
      if (offer.kind === 'offer') answer(raw, offer);
      const err = await sending;
      assert.ok(err instanceof PinholeError);
      await tx.closed;
      raw.destroy();
      return err;
    }

    it('an accept whose bitmap does not fit the file: E_FILE_PROTOCOL', async () => {
      const err = await againstSender((raw, o) => raw.send({ kind: 'accept', id: o.id, have: Buffer.alloc(3), streams: 1 }));
      assert.equal(err.code, 'E_FILE_PROTOCOL');
      assert.match(err.message, /bitmap of 3 bytes for 1 pieces/);
    });

    it('an answer for a transfer never offered: E_FILE_PROTOCOL', async () => {
      const err = await againstSender((raw, o) => raw.send({ kind: 'accept', id: o.id + 1, have: Buffer.alloc(1), streams: 1 }));
      assert.match(err.message, /accept for transfer 2, which was never offered/);
    });

    it('a receipt before all bytes were sent: E_FILE_PROTOCOL', async () => {
      const err = await againstSender((raw, o) => {
        raw.send({ kind: 'accept', id: o.id, have: Buffer.alloc(1), streams: 1 });
        raw.send({ kind: 'done', id: o.id, size: o.size, root: Buffer.alloc(32) });
      });
      assert.match(err.message, /confirmed src\.bin before all of it was sent/);
    });

    it('a stream-level error from the peer ends the transfer with the peer’s code', async () => {
      const err = await againstSender((raw) => raw.send({ kind: 'error', id: 0, code: 'E_WIRE_DECODE', message: 'your bytes made no sense' }));
      assert.equal(err.code, 'E_WIRE_DECODE');
      assert.match(err.message, /the peer dropped the file stream: your bytes made no sense/);
    });
  });
});
