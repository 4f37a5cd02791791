import { strict as assert } from 'assert';
import { fileHash } from '@pinhole/payload-file';
import * as fs from 'fs';
import * as path from 'path';
import { createLogger } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { fileHost, fileTransfer } from '../../helpers/file-peers';
import { randomFile, sha256Of, tempDir } from '../../helpers/files';
import { sessionPair, type SessionPair } from '../../helpers/session-pair';

type Event = Record<string, unknown> & { event: string };

/** A JSON logger whose events are collected instead of printed. */
function capture(): { log: ReturnType<typeof createLogger>; events: Event[] } {
  const events: Event[] = [];
  return { events, log: createLogger({ json: true, level: 'silent', write: (line) => events.push(JSON.parse(line)) }) };
}

describe('payload-file FileTransfer service (what `call --send` and `peer --inbox` call)', function () {
  this.timeout(30000);
  let host: Host;
  let pair: SessionPair;
  let dir: string;

  beforeEach(async () => {
    host = await fileHost();
    pair = await sessionPair(host);
    dir = tempDir('svc');
  });
  afterEach(async () => {
    await pair.close();
    await host.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sendFiles reports one outcome per file and NDJSON file.offer/file.done/file.failed events on both sides', async () => {
    const inbox = path.join(dir, 'inbox');
    fs.mkdirSync(inbox);
    const files = [await randomFile(dir, 'one.bin', 2 << 20), path.join(dir, 'missing.bin'), await randomFile(dir, 'two.txt', 999)];
    const rxLog = capture();
    const txLog = capture();
    const svc = fileTransfer(host);
    const inboxRun = svc.receiveFiles({ session: pair.bs, remotePeerId: 'alice' }, inbox, { log: rxLog.log, json: true });
    const outcomes = await svc.sendFiles({ session: pair.as, remotePeerId: 'bob' }, files, { log: txLog.log, json: true });

    assert.deepEqual(outcomes.map((o) => o.ok), [true, false, true]);
    const failed = outcomes[1];
    assert.ok(!failed.ok && failed.error.code === 'E_FILE_SOURCE');
    for (const f of [files[0], files[2]]) assert.equal(await sha256Of(path.join(inbox, path.basename(f))), await sha256Of(f));
    assert.deepEqual(inboxRun.received.map((r) => r.name), ['one.bin', 'two.txt']);

    const kinds = (es: Event[]) => es.map((e) => `${e.event}:${e.name}`).filter((k) => !k.startsWith('file.progress'));
    assert.deepEqual(kinds(txLog.events), ['file.offer:one.bin', 'file.done:one.bin', 'file.failed:missing.bin', 'file.offer:two.txt', 'file.done:two.txt']);
    assert.deepEqual(kinds(rxLog.events), ['file.offer:one.bin', 'file.done:one.bin', 'file.offer:two.txt', 'file.done:two.txt']);
    const done = rxLog.events.find((e) => e.event === 'file.done' && e.name === 'one.bin')!;
    assert.equal(done.bytes, 2 << 20);
    assert.equal(done.hash, await fileHash(files[0]));
    assert.equal(done.peer, 'alice');
    assert.equal(done.direction, 'receive');
    assert.ok(typeof done.seconds === 'number' && typeof done.MBps === 'number' && (done.MBps as number) > 0);
    const fail = txLog.events.find((e) => e.event === 'file.failed')!;
    assert.equal(fail.code, 'E_FILE_SOURCE');
    assert.match(String(fail.message), /missing\.bin/);
    await inboxRun.close();
  });

  it('the inbox serves every batch of the call and ends when the call ends, its part files flushed', async () => {
    const inbox = path.join(dir, 'inbox');
    fs.mkdirSync(inbox);
    const svc = fileTransfer(host);
    const run = svc.receiveFiles({ session: pair.bs }, inbox);
    const got: string[] = [];
    run.onFile((f) => got.push(f.name));
    await svc.sendFiles({ session: pair.as }, [await randomFile(dir, 'first.bin', 1000)]);
    await svc.sendFiles({ session: pair.as }, [await randomFile(dir, 'second.bin', 1000)]);
    assert.deepEqual(got, ['first.bin', 'second.bin']);
    await pair.as.close('done');
    await run.closed;
  });
});
