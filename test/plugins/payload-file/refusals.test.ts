import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as sinon from 'sinon';
import { PinholeError } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { Pieces, type FileEndpoint } from '@pinhole/payload-file';
import { fileHost, filePayload, RawFilePeer, sha256 } from '../../helpers/file-peers';
import { listDir, randomFile, sha256Of, tempDir } from '../../helpers/files';
import { sessionPair, type SessionPair } from '../../helpers/session-pair';

const offer = (id: number, name: string, size: number) => ({ kind: 'offer' as const, id, name, size, pieceBytes: 1 << 20, version: 'v1' });
const firstError = (ep: FileEndpoint): Promise<PinholeError> => new Promise((r) => ep.onError(r));

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<PinholeError> {
  const e = await p.then(
    () => assert.fail('expected a rejection'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof PinholeError, `a PinholeError, got ${e}`);
  return e;
}

describe('payload-file: every refusal and failure leaves nothing under the final name and says why', function () {
  this.timeout(30000);
  let host: Host;
  let pair: SessionPair;
  let root: string;
  let inbox: string;
  let src: string;

  beforeEach(async () => {
    host = await fileHost({ offerTimeoutMs: 400 });
    pair = await sessionPair(host);
    root = tempDir('refusals');
    inbox = path.join(root, 'inbox');
    src = path.join(root, 'src');
    fs.mkdirSync(inbox);
    fs.mkdirSync(src);
  });
  afterEach(async () => {
    sinon.restore();
    await pair.close();
    await host.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  describe('names that escape the inbox or are not portable', () => {
    const bad = ['../evil.txt', '../../etc/passwd', '/etc/passwd', 'sub/dir.txt', 'back\\slash.txt', '..', '.', '', '.hidden', '.x.pinhole-part', 'nul\u0000byte', 'line\nfeed', 'CON', 'nul.txt', 'com1', 'LPT9.log', 'trailing.', 'trailing ', 'colon:stream', 'a'.repeat(201)];
    for (const name of bad)
      it(`refuses ${JSON.stringify(name.length > 40 ? name.slice(0, 12) + '…' : name)} with E_FILE_PATH, writing nothing anywhere`, async () => {
        const rx = filePayload(host).attach(pair.bs, { inbox });
        const raw = new RawFilePeer(pair.as);
        const rxErr = firstError(rx);
        raw.send(offer(1, name, 3));
        const answer = await raw.next();
        assert.equal(answer.kind, 'refuse');
        assert.equal(answer.kind === 'refuse' && answer.code, 'E_FILE_PATH');
        assert.match(answer.kind === 'refuse' ? answer.message : '', /refused file name .*plain name/);
        assert.equal((await rxErr).code, 'E_FILE_PATH');
        assert.deepEqual(listDir(inbox), []);
        assert.deepEqual(listDir(root), ['inbox', 'src'], 'nothing landed beside the inbox');
        raw.destroy();
        await rx.close();
      });

    it('the sending side refuses such a name itself before offering', async () => {
      const file = await randomFile(src, 'ok.bin', 10);
      const rx = filePayload(host).attach(pair.bs, { inbox });
      const tx = filePayload(host).attach(pair.as);
      let offers = 0;
      rx.onProgress(() => offers++);
      const e = await rejection(tx.send({ path: file, name: '../escape.bin' }));
      assert.equal(e.code, 'E_FILE_PATH');
      assert.equal(offers, 0);
      await Promise.all([tx.close(), rx.close()]);
    });
  });

  it('hash mismatch: a piece that does not hash to its announced SHA-256 fails the transfer (E_FILE_HASH) and the part is deleted', async () => {
    const rx = filePayload(host).attach(pair.bs, { inbox });
    const raw = new RawFilePeer(pair.as);
    const rxErr = firstError(rx);
    raw.send(offer(1, 'h.bin', 3 << 20));
    assert.deepEqual(await raw.next(), { kind: 'accept', id: 1, have: Buffer.alloc(1), streams: 8 });
    raw.piece(0, { id: 1, index: 0 }, Buffer.alloc(1 << 20, 1));
    const bad = Buffer.alloc(1 << 20, 2);
    raw.piece(1, { id: 1, index: 1, sha256: sha256(Buffer.alloc(1 << 20, 3)) }, bad);
    const answer = await raw.next();
    assert.equal(answer.kind, 'error');
    assert.equal(answer.kind === 'error' && answer.code, 'E_FILE_HASH');
    const e = await rxErr;
    assert.equal(e.code, 'E_FILE_HASH');
    assert.match(e.message, /piece 1 of h\.bin does not hash to what the sender announced.*deleted.*send it again/);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(listDir(inbox), [], 'neither h.bin nor its partial file');
    raw.destroy();
    await rx.close();
  });

  it('root mismatch: every piece intact but the end names another root (E_FILE_HASH), the part is deleted', async () => {
    const rx = filePayload(host).attach(pair.bs, { inbox });
    const raw = new RawFilePeer(pair.as);
    const rxErr = firstError(rx);
    raw.send(offer(1, 'r.bin', 1000));
    assert.equal((await raw.next()).kind, 'accept');
    raw.piece(0, { id: 1, index: 0 }, Buffer.alloc(1000, 9));
    raw.send({ kind: 'end', id: 1, root: new Pieces(1000, 1 << 20).root([sha256(Buffer.alloc(1000, 8))]) });
    const answer = await raw.next();
    assert.equal(answer.kind === 'error' && answer.code, 'E_FILE_HASH');
    assert.match((await rxErr).message, /r\.bin: the pieces received hash to .* not the sender's/);
    assert.deepEqual(listDir(inbox), []);
    raw.destroy();
    await rx.close();
  });

  for (const [what, header] of [
    ['a piece of the wrong size', { id: 1, index: 0, size: 999 }],
    ['a piece index past the end', { id: 1, index: 1 }],
  ] as const)
    it(`${what}: E_FILE_PROTOCOL, the stream is closed, nothing under the final name`, async () => {
      const rx = filePayload(host).attach(pair.bs, { inbox });
      const raw = new RawFilePeer(pair.as);
      const rxErr = firstError(rx);
      raw.send(offer(1, 's.bin', 1000));
      assert.equal((await raw.next()).kind, 'accept');
      raw.piece(0, header, Buffer.alloc('size' in header ? header.size : 1000));
      const e = await rxErr;
      assert.equal(e.code, 'E_FILE_PROTOCOL');
      assert.match(e.message, /does not fit s\.bin/);
      await rx.closed;
      assert.ok(!fs.existsSync(path.join(inbox, 's.bin')));
      raw.destroy();
    });

  it('a sender that vanishes part-way keeps the part (resumable, the pieces that arrived recorded) and names no final file', async () => {
    const rx = filePayload(host).attach(pair.bs, { inbox });
    const raw = new RawFilePeer(pair.as);
    const rxErr = firstError(rx);
    raw.send(offer(1, 'short.bin', 3 << 20));
    assert.equal((await raw.next()).kind, 'accept');
    raw.piece(0, { id: 1, index: 2 }, Buffer.alloc(1 << 20, 5));
    await new Promise((r) => setTimeout(r, 200));
    raw.destroy();
    const e = await rxErr;
    assert.equal(e.code, 'E_PAYLOAD_CLOSED');
    await rx.closed;
    assert.deepEqual(listDir(inbox), ['.short.bin.pinhole-part', '.short.bin.pinhole-part.pieces']);
    assert.equal(fs.statSync(path.join(inbox, '.short.bin.pinhole-part')).size, 3 << 20, 'piece 2 sits at its offset');
  });

  it('an inbox size limit refuses a larger offer (E_FILE_SIZE)', async () => {
    const rx = filePayload(host).attach(pair.bs, { inbox, maxBytes: 1000 });
    const tx = filePayload(host).attach(pair.as);
    const e = await rejection(tx.send({ path: await randomFile(src, 'big.bin', 1001) }));
    assert.equal(e.code, 'E_FILE_SIZE');
    assert.match(e.message, /refused big\.bin: .*over this inbox's limit of 1000/);
    assert.deepEqual(listDir(inbox), []);
    await Promise.all([tx.close(), rx.close()]);
  });

  it('disk full before it starts: not enough free space refuses the offer (E_FILE_DISK)', async () => {
    sinon.stub(fs.promises, 'statfs').resolves({ bavail: 10, bsize: 4096 } as fs.StatsFs);
    const rx = filePayload(host).attach(pair.bs, { inbox });
    const tx = filePayload(host).attach(pair.as);
    const e = await rejection(tx.send({ path: await randomFile(src, 'huge.bin', 100_000) }));
    assert.equal(e.code, 'E_FILE_DISK');
    assert.match(e.message, /needs 100000 more bytes but the inbox has 40960 free; free some space/);
    assert.ok(!fs.existsSync(path.join(inbox, 'huge.bin')));
    await Promise.all([tx.close(), rx.close()]);
  });

  it('disk full mid-transfer (ENOSPC from the write path): E_FILE_DISK on both sides, no final file, and it resumes once there is room', async () => {
    // Every FileHandle shares one prototype: fail positional writes into a part past the limit.
    const probe = await fs.promises.open(path.join(root, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { writev: (buffers: Buffer[], position?: number) => Promise<{ bytesWritten: number }> };
    await probe.close();
    const realWritev = proto.writev;
    let limit = 3 << 20;
    let written = 0;
    sinon.stub(proto, 'writev').callsFake(function (this: unknown, buffers: Buffer[], position?: number) {
      written += buffers.reduce((n, b) => n + b.length, 0);
      if (written > limit) return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      return realWritev.call(this, buffers, position);
    });
    const file = await randomFile(src, 'fill.bin', 8 << 20);
    const rx = filePayload(host).attach(pair.bs, { inbox });
    const tx = filePayload(host).attach(pair.as);
    const rxErr = firstError(rx);
    const e = await rejection(tx.send({ path: file }));
    assert.equal(e.code, 'E_FILE_DISK');
    assert.match(e.message, /ENOSPC.*free some space and send again/);
    assert.equal((await rxErr).code, 'E_FILE_DISK');
    assert.ok(!fs.existsSync(path.join(inbox, 'fill.bin')), 'no file under the final name');
    limit = Infinity; // space freed
    const again = await tx.send({ path: file });
    assert.ok(again.resumedFrom >= 1 << 20 && again.resumedFrom <= 3 << 20, `resumed from ${again.resumedFrom}: the pieces written before the disk filled`);
    assert.equal(again.resumedFrom % (1 << 20), 0, 'whole pieces');
    assert.equal(again.transferred, (8 << 20) - again.resumedFrom);
    assert.equal(await sha256Of(path.join(inbox, 'fill.bin')), await sha256Of(file));
    await Promise.all([tx.close(), rx.close()]);
  });

  it('a side without an inbox refuses every offer (E_FILE_INBOX)', async () => {
    const rx = filePayload(host).attach(pair.bs);
    const tx = filePayload(host).attach(pair.as);
    const e = await rejection(tx.send({ path: await randomFile(src, 'x.bin', 10) }));
    assert.equal(e.code, 'E_FILE_INBOX');
    assert.match(e.message, /--inbox DIR/);
    await Promise.all([tx.close(), rx.close()]);
  });

  it('a peer that never answers the offer fails it (E_FILE_NO_ANSWER) after offerTimeoutMs', async () => {
    const tx = filePayload(host).attach(pair.as);
    const t0 = Date.now();
    const e = await rejection(tx.send({ path: await randomFile(src, 'x.bin', 10) }));
    assert.equal(e.code, 'E_FILE_NO_ANSWER');
    assert.match(e.message, /within 400 ms; is it receiving files/);
    assert.ok(Date.now() - t0 < 3000);
    await tx.close();
  });

  it('an unreadable source fails locally (E_FILE_SOURCE) and nothing is offered', async () => {
    const rx = filePayload(host).attach(pair.bs, { inbox });
    const tx = filePayload(host).attach(pair.as);
    let offers = 0;
    rx.onProgress(() => offers++);
    assert.equal((await rejection(tx.send({ path: path.join(src, 'missing.bin') }))).code, 'E_FILE_SOURCE');
    assert.equal((await rejection(tx.send({ path: src }))).code, 'E_FILE_SOURCE');
    assert.equal(offers, 0);
    await Promise.all([tx.close(), rx.close()]);
  });

  it('an inbox that does not exist is refused at attach (E_FILE_INBOX)', () => {
    assert.throws(() => filePayload(host).attach(pair.bs, { inbox: path.join(root, 'nope') }), (e: PinholeError) => e.code === 'E_FILE_INBOX' && /create it first/.test(e.message));
  });
});
