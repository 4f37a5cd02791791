import { strict as assert } from 'assert';
import { fileHash } from '@pinhole/payload-file';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createLogger, PeerClientFactory, type PeerClient } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import type { FileInbox, FileTransfer } from '@pinhole/core';
import { FileTransfer as FileTransferId } from '@pinhole/core';
import { NdjsonProc } from '@pinhole/lab';
import { randomFile, sha256Of, tempDir } from '../../helpers/files';
import { identityArgs } from '../../helpers/lab-procs';
import { peerOptions } from '../../helpers/peers';

const BIN = path.resolve(__dirname, '..', '..', '..', '..', 'core', 'bin', 'pinhole.js');
const pinhole = (args: string[]) => new NdjsonProc(spawn(process.execPath, [BIN, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] }));

describe('cli: pinhole call --send', function () {
  this.timeout(30000);
  const procs: NdjsonProc[] = [];
  let host: Host | undefined;
  let bob: PeerClient | undefined;
  let dir: string;
  before(() => (dir = tempDir('cli')));
  after(async () => {
    await bob?.close();
    await host?.dispose();
    for (const p of procs.reverse()) await p.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends files over the direct path with NDJSON file.offer/file.done events, and fails (exit 1) when one is refused', async () => {
    const manager = pinhole(['manager', '--listen', '127.0.0.1:0', '--udp', '127.0.0.1:0']);
    procs.push(manager);
    const ready = await manager.waitFor('manager.ready', 8000);

    // bob answers calls and takes files into his inbox: what `pinhole peer --inbox DIR` does.
    const inbox = path.join(dir, 'inbox');
    fs.mkdirSync(inbox);
    host = new Host({ config: {}, log: createLogger({ level: 'silent', events: false }) });
    await host.start();
    await host.plugins.activate('manager-client');
    const transfer = await host.services.load<FileTransfer>(FileTransferId, 'onPayload:file');
    bob = await (await host.services.load<PeerClientFactory>(PeerClientFactory)).create(peerOptions('file-bob', { tcp: String(ready.tcp), pin: String(ready.pin) }, { payloadTypes: ['file'] }));
    const inboxes: FileInbox[] = [];
    bob.onIncomingCall((call) => inboxes.push(transfer.receiveFiles(call, inbox)));
    await bob.start();

    const big = await randomFile(dir, 'big.bin', 24 << 20);
    const small = await randomFile(dir, 'small.txt', 1234);
    const call = pinhole(['call', 'file-bob', '--id', 'file-alice', '--manager', String(ready.tcp), '--manager-fingerprint', String(ready.pin), ...identityArgs('file-alice'), '--pings', '1', '--send', big, '--send', small]);
    procs.push(call);
    assert.equal(await call.exited, 0);
    const names = (kind: string) => call.events.filter((e) => e.event === kind).map((e) => e.name);
    assert.deepEqual(names('file.offer'), ['big.bin', 'small.txt']);
    assert.deepEqual(names('file.done'), ['big.bin', 'small.txt']);
    const done = call.events.find((e) => e.event === 'file.done' && e.name === 'big.bin')!;
    assert.equal(done.hash, await fileHash(big));
    assert.equal(done.bytes, 24 << 20);
    assert.ok((done.MBps as number) > 0 && (done.seconds as number) > 0);
    assert.equal(await sha256Of(path.join(inbox, 'big.bin')), await sha256Of(big));
    assert.equal(await sha256Of(path.join(inbox, 'small.txt')), await sha256Of(small));

    // Sent again: bob already has them, so both are refused and the command says so with exit 1.
    const again = pinhole(['call', 'file-bob', '--id', 'file-alice', '--manager', String(ready.tcp), '--manager-fingerprint', String(ready.pin), ...identityArgs('file-alice'), '--pings', '1', '--send', small]);
    procs.push(again);
    assert.equal(await again.exited, 1);
    const failed = again.events.find((e) => e.event === 'file.failed')!;
    assert.equal(failed.code, 'E_FILE_EXISTS');
    assert.match(String(failed.message), /already exists/);
  });
});
