import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Host } from '@pinhole/core/host';
import type { FileReceived } from '@pinhole/core';
import { fileHash } from '@pinhole/payload-file';
import { fileHost, filePayload } from '../../helpers/file-peers';
import { randomFile, sha256Of, tempDir } from '../../helpers/files';
import { sessionPair, type SessionPair } from '../../helpers/session-pair';

describe('payload-file: loopback transfers through a real session pair', function () {
  this.timeout(60000);
  let host: Host;
  let pair: SessionPair;
  let src: string;
  let inbox: string;

  beforeEach(async () => {
    host = await fileHost();
    pair = await sessionPair(host);
    src = tempDir('src');
    inbox = tempDir('inbox');
  });
  afterEach(async () => {
    await pair.close();
    await host.dispose();
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(inbox, { recursive: true, force: true });
  });

  const sizes: Array<[string, number]> = [
    ['empty', 0],
    ['1-byte', 1],
    ['odd-sized (1,000,003 bytes)', 1_000_003],
    ['large (64 MiB)', 64 << 20],
  ];
  for (const [label, size] of sizes)
    it(`${label} file arrives byte-identical, under its name, with no partial files left`, async () => {
      const file = await randomFile(src, `${label.split(' ')[0]}.bin`, size);
      const rx = filePayload(host).attach(pair.bs, { inbox });
      const tx = filePayload(host).attach(pair.as);
      const received = new Promise<FileReceived>((r) => rx.onReceived(r));
      const sent = await tx.send({ path: file });
      const got = await received;
      const want = await sha256Of(file);
      assert.equal(got.path, path.join(inbox, path.basename(file)));
      assert.equal(fs.statSync(got.path).size, size);
      assert.equal(await sha256Of(got.path), want);
      const hash = await fileHash(file);
      assert.equal(got.hash, hash);
      assert.equal(sent.hash, hash);
      assert.deepEqual([sent.bytes, sent.transferred, sent.resumedFrom], [size, size, 0]);
      assert.deepEqual([got.bytes, got.transferred, got.resumedFrom], [size, size, 0]);
      assert.ok(got.wireBytes >= size && got.wireBytes < size * 1.01 + 1024, `wire bytes ${got.wireBytes} for ${size}`);
      assert.deepEqual(fs.readdirSync(inbox), [path.basename(file)], 'no .pinhole-part or sidecar left');
      await Promise.all([tx.close(), rx.close()]);
    });

  it('several files in a row on one endpoint, with progress from offer to the last byte on both sides', async () => {
    const files = [await randomFile(src, 'a.bin', 300_000), await randomFile(src, 'b.bin', 5 << 20), await randomFile(src, 'c.txt', 17)];
    const rx = filePayload(host).attach(pair.bs, { inbox });
    const tx = filePayload(host).attach(pair.as);
    const rxLast = new Map<string, number>();
    const txLast = new Map<string, number>();
    rx.onProgress((p) => rxLast.set(p.name, p.bytes));
    tx.onProgress((p) => {
      assert.ok(p.bytes >= (txLast.get(p.name) ?? 0), 'sender progress never goes back');
      txLast.set(p.name, p.bytes);
    });
    const results = await Promise.all(files.map((f) => tx.send({ path: f })));
    assert.deepEqual(results.map((r) => r.name), ['a.bin', 'b.bin', 'c.txt']);
    for (const f of files) {
      assert.equal(await sha256Of(path.join(inbox, path.basename(f))), await sha256Of(f));
      assert.equal(rxLast.get(path.basename(f)), fs.statSync(f).size, 'receiver progress reached the size');
    }
    await Promise.all([tx.close(), rx.close()]);
  });

  it('both directions at once on one stream: each side sends and receives', async () => {
    const inboxA = tempDir('inbox-a');
    const ea = filePayload(host).attach(pair.as, { inbox: inboxA });
    const eb = filePayload(host).attach(pair.bs, { inbox });
    const fa = await randomFile(src, 'from-a.bin', 3 << 20);
    const fb = await randomFile(src, 'from-b.bin', 2 << 20);
    await Promise.all([ea.send({ path: fa }), eb.send({ path: fb })]);
    assert.equal(await sha256Of(path.join(inbox, 'from-a.bin')), await sha256Of(fa));
    assert.equal(await sha256Of(path.join(inboxA, 'from-b.bin')), await sha256Of(fb));
    await Promise.all([ea.close(), eb.close()]);
    fs.rmSync(inboxA, { recursive: true, force: true });
  });

  it('a file sent again after it arrived is refused (E_FILE_EXISTS) and the first copy is untouched', async () => {
    const file = await randomFile(src, 'once.bin', 10_000);
    const rx = filePayload(host).attach(pair.bs, { inbox });
    const tx = filePayload(host).attach(pair.as);
    await tx.send({ path: file });
    fs.writeFileSync(file, 'different content now');
    await assert.rejects(tx.send({ path: file }), (e: Error & { code?: string }) => e.code === 'E_FILE_EXISTS' && /already exists/.test(e.message));
    assert.notEqual(await sha256Of(path.join(inbox, 'once.bin')), await sha256Of(file));
    await Promise.all([tx.close(), rx.close()]);
  });

  it('with overwrite the verified new copy replaces the old one', async () => {
    const file = await randomFile(src, 'doc.txt', 5000);
    fs.writeFileSync(path.join(inbox, 'doc.txt'), 'old');
    const rx = filePayload(host).attach(pair.bs, { inbox, overwrite: true });
    const tx = filePayload(host).attach(pair.as);
    await tx.send({ path: file });
    assert.equal(await sha256Of(path.join(inbox, 'doc.txt')), await sha256Of(file));
    await Promise.all([tx.close(), rx.close()]);
  });
});
