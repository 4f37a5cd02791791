import { strict as assert } from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import fsModule = require('fs'); // the module object itself, so sinon can replace its functions
import * as path from 'path';
import * as sinon from 'sinon';
import { PinholeError } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import type { FileEndpoint } from '@pinhole/payload-file';
import { fileHost, filePayload, RawFilePeer } from '../../helpers/file-peers';
import { listDir, randomFile, sha256Of, tempDir } from '../../helpers/files';
import { sessionPair, type SessionPair } from '../../helpers/session-pair';

const sha = (b: Buffer): Buffer => createHash('sha256').update(b).digest();
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
        raw.send({ kind: 'offer', id: 1, name, size: 3, sha256: sha(Buffer.from('abc')) });
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

  it('hash mismatch: bytes that do not hash to the offer are rejected (E_FILE_HASH) and the part is deleted', async () => {
    const rx = filePayload(host).attach(pair.bs, { inbox });
    const raw = new RawFilePeer(pair.as);
    const rxErr = firstError(rx);
    raw.send({ kind: 'offer', id: 1, name: 'h.bin', size: 6, sha256: sha(Buffer.from('abcdef')) });
    assert.deepEqual(await raw.next(), { kind: 'accept', id: 1, offset: 0 });
    raw.chunk(Buffer.from('abcdeX'));
    const answer = await raw.next();
    assert.equal(answer.kind, 'error');
    assert.equal(answer.kind === 'error' && answer.code, 'E_FILE_HASH');
    const e = await rxErr;
    assert.equal(e.code, 'E_FILE_HASH');
    assert.match(e.message, /not the offered .*deleted.*send it again/);
    assert.deepEqual(listDir(inbox), [], 'neither h.bin nor its partial file');
    raw.destroy();
    await rx.close();
  });

  it('size mismatch: more bytes than offered are rejected (E_FILE_SIZE) and the part is deleted', async () => {
    const rx = filePayload(host).attach(pair.bs, { inbox });
    const raw = new RawFilePeer(pair.as);
    const rxErr = firstError(rx);
    raw.send({ kind: 'offer', id: 1, name: 's.bin', size: 10, sha256: sha(Buffer.alloc(10)) });
    assert.equal((await raw.next()).kind, 'accept');
    raw.chunk(Buffer.alloc(25));
    const answer = await raw.next();
    assert.equal(answer.kind === 'error' && answer.code, 'E_FILE_SIZE');
    assert.match((await rxErr).message, /more than the 10 bytes it offered/);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(listDir(inbox), []);
    raw.destroy();
    await rx.close();
  });

  it('size mismatch: a stream that ends short keeps the part (resumable) and names no final file', async () => {
    const rx = filePayload(host).attach(pair.bs, { inbox });
    const raw = new RawFilePeer(pair.as);
    const rxErr = firstError(rx);
    raw.send({ kind: 'offer', id: 1, name: 'short.bin', size: 1000, sha256: sha(Buffer.alloc(1000)) });
    assert.equal((await raw.next()).kind, 'accept');
    raw.chunk(Buffer.alloc(400));
    await new Promise((r) => setTimeout(r, 100));
    raw.destroy();
    const e = await rxErr;
    assert.equal(e.code, 'E_PAYLOAD_CLOSED');
    await rx.closed;
    assert.deepEqual(listDir(inbox), ['.short.bin.pinhole-part', '.short.bin.pinhole-part.json']);
    assert.equal(fs.statSync(path.join(inbox, '.short.bin.pinhole-part')).size, 400);
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
    const realCreate = fs.createWriteStream;
    let limit = 3 << 20;
    sinon.stub(fsModule, 'createWriteStream').callsFake(((file: fs.PathLike, opts?: Parameters<typeof fs.createWriteStream>[1]) => {
      const ws = realCreate(file, opts);
      if (!String(file).endsWith('.pinhole-part')) return ws;
      const write = ws._write.bind(ws);
      let n = 0;
      ws._writev = undefined;
      ws._write = (chunk: Buffer, enc: BufferEncoding, cb: (err?: Error | null) => void) => {
        n += chunk.length;
        if (n > limit) return cb(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
        write(chunk, enc, cb);
      };
      return ws;
    }) as typeof fs.createWriteStream);
    const file = await randomFile(src, 'fill.bin', 8 << 20);
    const rx = filePayload(host).attach(pair.bs, { inbox });
    const tx = filePayload(host).attach(pair.as);
    const rxErr = firstError(rx);
    const e = await rejection(tx.send({ path: file }));
    assert.equal(e.code, 'E_FILE_DISK');
    assert.match(e.message, /ENOSPC.*free some space and send again/);
    assert.equal((await rxErr).code, 'E_FILE_DISK');
    assert.ok(!fs.existsSync(path.join(inbox, 'fill.bin')), 'no file under the final name');
    const kept = fs.statSync(path.join(inbox, '.fill.bin.pinhole-part')).size;
    assert.ok(kept > 0 && kept <= limit, `part keeps what was written: ${kept}`);
    limit = Infinity; // space freed
    const again = await tx.send({ path: file });
    assert.equal(again.resumedFrom, kept);
    assert.equal(again.transferred, (8 << 20) - kept);
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
