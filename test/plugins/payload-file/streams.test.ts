/**
 * One transfer over several data streams: pieces in any order arrive byte-identical, a fault in
 * any one stream (a corrupt piece, the stream destroyed) fails the whole transfer on both sides
 * without leaving anything under the final name or hanging, and the count adapts to goodput.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { DatagramSession, PinholeError, ReliableStream } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import type { FileReceived } from '@pinhole/core';
import { fileHash, Pieces, StreamCount, type FileEndpoint } from '@pinhole/payload-file';
import { fileHost, filePayload, RawFilePeer, sha256 } from '../../helpers/file-peers';
import { listDir, randomFile, sha256Of, tempDir } from '../../helpers/files';
import { sessionPair, type SessionPair } from '../../helpers/session-pair';

const MiB = 1 << 20;
const firstError = (ep: FileEndpoint): Promise<PinholeError> => new Promise((r) => ep.onError(r));
const offer = (id: number, name: string, size: number) => ({ kind: 'offer' as const, id, name, size, pieceBytes: MiB, version: 'v1' });

/** The session as payload-file sees it, keeping every reliable stream it opens (so a test can break one). */
function watched(session: DatagramSession): { session: DatagramSession; streams: Map<number, ReliableStream>; bytesIn: Map<number, number> } {
  const streams = new Map<number, ReliableStream>();
  const bytesIn = new Map<number, number>();
  const proxy = Object.create(session) as DatagramSession;
  proxy.openReliableStream = (channel: number) => {
    const s = session.openReliableStream(channel);
    streams.set(channel, s);
    s.on('data', (c) => bytesIn.set(channel, (bytesIn.get(channel) ?? 0) + c.length));
    return s;
  };
  return { session: proxy, streams, bytesIn };
}

/** A deterministic shuffle (the same order every run). */
function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let seed = 7;
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

describe('payload-file: one transfer over several data streams', function () {
  this.timeout(60000);
  let host: Host;
  let pair: SessionPair;
  let dir: string;
  let inbox: string;

  beforeEach(async () => {
    host = await fileHost({ streams: 4 });
    pair = await sessionPair(host);
    dir = tempDir('streams');
    inbox = path.join(dir, 'inbox');
    fs.mkdirSync(inbox);
  });
  afterEach(async () => {
    await pair.close();
    await host.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('pieces in any order, spread over three streams, arrive byte-identical', async () => {
    const file = await randomFile(dir, 'mixed.bin', 7 * MiB + 12345);
    const bytes = fs.readFileSync(file);
    const pieces = new Pieces(bytes.length, MiB);
    const rx = filePayload(host).attach(pair.bs, { inbox });
    const received = new Promise<FileReceived>((r) => rx.onReceived(r));
    const raw = new RawFilePeer(pair.as);
    raw.send(offer(1, 'mixed.bin', bytes.length));
    assert.equal((await raw.next()).kind, 'accept');
    const hashes: Buffer[] = [];
    shuffled(pieces.count).forEach((index, k) => {
      const data = bytes.subarray(pieces.offset(index), pieces.offset(index) + pieces.length(index));
      hashes[index] = sha256(data);
      raw.piece(k % 3, { id: 1, index }, data);
    });
    raw.send({ kind: 'end', id: 1, root: pieces.root(hashes) });
    const done = await raw.next();
    assert.equal(done.kind, 'done');
    const got = await received;
    assert.equal(await sha256Of(got.path), await sha256Of(file));
    assert.equal(got.hash, await fileHash(file));
    assert.deepEqual(listDir(inbox), ['mixed.bin']);
    raw.destroy();
    await rx.close();
  });

  it('a sender set to four streams spreads the pieces over all four; the file arrives byte-identical', async () => {
    const file = await randomFile(dir, 'wide.bin', 24 * MiB + 1);
    const rx = watched(pair.bs);
    const rxEp = filePayload(host).attach(rx.session, { inbox });
    const tx = filePayload(host).attach(pair.as);
    const received = new Promise<FileReceived>((r) => rxEp.onReceived(r));
    const sent = await tx.send({ path: file });
    const got = await received;
    assert.equal(sent.streams, 4);
    assert.equal(rx.streams.size, 1 + 8, 'the receiver opened the control stream and its maxStreams data streams');
    const carried = [1, 2, 3, 4].map((k) => rx.bytesIn.get(0xf11e + k) ?? 0);
    assert.ok(carried.every((n) => n >= MiB), `each of the four data streams carried pieces (how many depends on which drains first): ${carried.join(', ')} bytes`);
    assert.equal(rx.bytesIn.get(0xf11e + 5) ?? 0, 0, 'the fifth stayed idle');
    assert.equal(await sha256Of(got.path), await sha256Of(file));
    assert.equal(sent.hash, got.hash);
    await Promise.all([tx.close(), rxEp.close()]);
  });

  it('a corrupt piece on one stream fails the whole transfer on both sides (E_FILE_HASH), deletes the part, and the endpoint takes the next file', async () => {
    const size = 6 * MiB;
    const bytes = Buffer.alloc(size, 0x42);
    const pieces = new Pieces(size, MiB);
    const rx = filePayload(host).attach(pair.bs, { inbox });
    const rxErr = firstError(rx);
    const raw = new RawFilePeer(pair.as);
    raw.send(offer(1, 'bad.bin', size));
    assert.equal((await raw.next()).kind, 'accept');
    for (let i = 0; i < pieces.count; i++) {
      const data = bytes.subarray(pieces.offset(i), pieces.offset(i) + pieces.length(i));
      // Stream 2 delivers piece 2 with one byte flipped; the other streams go on.
      raw.piece(i % 3, { id: 1, index: i, sha256: sha256(data) }, i === 2 ? Buffer.concat([data.subarray(0, 100), Buffer.from([0x43]), data.subarray(101)]) : data);
    }
    const answer = await raw.next();
    assert.ok(answer.kind === 'error' && answer.code === 'E_FILE_HASH' && answer.id === 1, JSON.stringify(answer));
    assert.equal((await rxErr).code, 'E_FILE_HASH');
    await new Promise((r) => setTimeout(r, 200)); // the other streams' pieces of the failed transfer land and are dropped
    assert.deepEqual(listDir(inbox), [], 'no part, no final file');

    // The streams stayed in step: a second file on the same endpoint arrives intact.
    const next = Buffer.alloc(1000, 7);
    raw.send(offer(2, 'good.bin', next.length));
    assert.equal((await raw.next()).kind, 'accept');
    raw.piece(1, { id: 2, index: 0 }, next);
    raw.send({ kind: 'end', id: 2, root: new Pieces(next.length, MiB).root([sha256(next)]) });
    assert.equal((await raw.next()).kind, 'done');
    assert.deepEqual(fs.readFileSync(path.join(inbox, 'good.bin')), next);
    raw.destroy();
    await rx.close();
  });

  it('a data stream destroyed under the transfer fails it on both sides (E_PAYLOAD_CLOSED) without hanging; the part is kept, nothing has the final name', async () => {
    const file = await randomFile(dir, 'cut.bin', 32 * MiB);
    const rx = watched(pair.bs);
    const rxEp = filePayload(host).attach(rx.session, { inbox, idleTimeoutMs: 60000 });
    const tx = filePayload(host).attach(pair.as);
    const rxErr = firstError(rxEp);
    let cut = false;
    rxEp.onProgress((p) => {
      if (!cut && p.phase === 'transfer' && p.bytes >= 4 * MiB) {
        cut = true;
        rx.streams.get(0xf11e + 1 + 2)!.destroy(); // data stream 2
      }
    });
    const t0 = Date.now();
    const e = await tx.send({ path: file }).then(
      () => assert.fail('send() resolved'),
      (err: PinholeError) => err,
    );
    assert.equal(e.code, 'E_PAYLOAD_CLOSED', `sender: ${e.message}`);
    assert.equal((await rxErr).code, 'E_PAYLOAD_CLOSED');
    assert.ok(Date.now() - t0 < 15000, 'no hang');
    await Promise.all([tx.closed, rxEp.closed]);
    assert.deepEqual(listDir(inbox), ['.cut.bin.pinhole-part', '.cut.bin.pinhole-part.pieces']);
  });
});

describe('payload-file: a lost PING', function () {
  this.timeout(30000);

  it('does not hold the transfer up: the offer\'s own round trip sizes the start', async () => {
    const host = await fileHost({});
    const pair = await sessionPair(host);
    const dir = tempDir('lost-ping');
    try {
      const inbox = path.join(dir, 'inbox');
      fs.mkdirSync(inbox);
      const file = await randomFile(dir, 'quick.bin', 3 * MiB);
      // The sender's PING never comes back (lost on a lossy path; the session would time it out after 2 s).
      const lossy = Object.create(pair.as) as DatagramSession;
      lossy.ping = () => new Promise<number>(() => undefined);
      const rx = filePayload(host).attach(pair.bs, { inbox });
      const tx = filePayload(host).attach(lossy);
      const t0 = Date.now();
      const sent = await Promise.race([
        tx.send({ path: file }),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the transfer waited for the lost PING')), 10000)),
      ]);
      assert.equal(sent.bytes, 3 * MiB);
      assert.equal(sent.streams, 1, 'a loopback path (the offer answered in well under 10 ms) starts with one stream');
      assert.ok(Date.now() - t0 < 10000);
      await Promise.all([tx.close(), rx.close()]);
    } finally {
      await pair.close();
      await host.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('payload-file: the adaptive stream count', () => {
  it('starts at one on a short path and one per 5 ms of RTT on a long one; a fixed count is kept', () => {
    assert.equal(new StreamCount(8, 0.3).current, 1);
    assert.equal(new StreamCount(8, undefined).current, 1);
    assert.equal(new StreamCount(8, 10).current, 2);
    assert.equal(new StreamCount(8, 22).current, 5);
    assert.equal(new StreamCount(8, 40).current, 8);
    assert.equal(new StreamCount(8, 400).current, 8);
    assert.equal(new StreamCount(1, 40).current, 1);
    const fixed = new StreamCount(8, 40, 5);
    assert.equal(fixed.sample(0, 0), 5);
    assert.equal(fixed.sample(10000, 1e9), 5);
  });

  it('adds a stream while each step beats the last by 10 %, and settles at the first that does not', () => {
    const c = new StreamCount(8, 10, 0, 1000); // steps of 4 RTT = 250 ms at least, and 1000 bytes
    let acked = 0;
    let t = 0;
    const step = (rate: number): number => {
      t += 250;
      acked += rate * 250;
      return c.sample(t, acked);
    };
    assert.equal(c.sample(0, 0), 2);
    assert.equal(step(10), 3, 'first step: a rate to beat');
    assert.equal(step(15), 4);
    assert.equal(step(20), 5);
    assert.equal(step(21), 5, 'under +10 %: settled');
    assert.equal(step(100), 5, 'settled for good');
  });

  it('does not judge a step before enough bytes were acknowledged (a slow start is not "no gain")', () => {
    const c = new StreamCount(8, 10, 0, 4 << 20);
    c.sample(0, 0);
    assert.equal(c.sample(300, 0), 2, 'nothing acknowledged yet: the step goes on');
    assert.equal(c.sample(2000, 1 << 20), 2, 'still under 4 MiB');
    assert.equal(c.sample(3000, 5 << 20), 3, 'a step with a rate: one more stream');
  });

  it('on a short path a stream is added only for a large gain (≥ 50 %)', () => {
    const c = new StreamCount(8, 1, 0, 1000);
    let t = 0;
    let acked = 0;
    const step = (rate: number): number => c.sample((t += 250), (acked += rate * 250));
    c.sample(0, 0);
    assert.equal(step(10), 2);
    assert.equal(step(14), 2, '+40 %: settled at two');
  });

  it('never passes its maximum', () => {
    const c = new StreamCount(3, 10);
    let t = 0;
    for (let i = 1; i < 10; i++) c.sample((t += 250), i * i * 1e6);
    assert.equal(c.current, 3);
  });
});
