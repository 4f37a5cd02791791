import { strict as assert } from 'assert';
import { fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { DatagramSession, MediaTransport, PinholeError } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import type { FileReceived } from '@pinhole/core';
import type { FileEndpoint } from '@pinhole/payload-file';
import type { ChildMessage, GoMessage } from '../../helpers/file-sender-child';
import type { ReceiveMessage, ReceiverChildMessage } from '../../helpers/file-receiver-child';
import { fileHost, filePayload } from '../../helpers/file-peers';
import { listDir, randomFile, sha256Of, tempDir } from '../../helpers/files';
import { transport } from '../../helpers/media';
import { handshakePair } from '../../helpers/secure';

const CHILD = path.join(__dirname, '..', '..', 'helpers', 'file-sender-child.js');
const RX_CHILD = path.join(__dirname, '..', '..', 'helpers', 'file-receiver-child.js');
const SIZE = 48 << 20;
const KILL_AFTER = 6 << 20;

/** A sender process aimed at our socket, with our side's session and receiving endpoint ready before it starts. */
async function startSender(rxT: MediaTransport, host: Host, inbox: string, file: string, ids: [number, number], idleTimeoutMs = 500) {
  // 'advanced': the handshake result (Uint8Array keys) crosses the IPC channel intact.
  const child = fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--require', 'reflect-metadata'], serialization: 'advanced' });
  const messages: ChildMessage[] = [];
  const waiters = new Set<() => void>();
  child.on('message', (m: ChildMessage) => {
    messages.push(m);
    for (const w of waiters) w();
  });
  const next = (type: ChildMessage['type']) =>
    new Promise<ChildMessage>((resolve, reject) => {
      const check = () => {
        const m = messages.find((x) => x.type === type);
        if (m) {
          waiters.delete(check);
          resolve(m);
        }
      };
      waiters.add(check);
      child.once('exit', () => reject(new Error(`sender exited before "${type}"`)));
      check();
    });
  const bound = (await next('bound')) as Extract<ChildMessage, { type: 'bound' }>;
  // A real handshake for this call; the sender process gets its half, as its own call flow would give it.
  const callId = `resume-${ids[0]}`;
  const hs = await handshakePair(host, { callId, callerEndpoint: ids[0], calleeEndpoint: ids[1] }, 'file-sender', 'file-receiver');
  const session = await rxT.openSession({ callId, role: 'callee', localEndpoint: ids[1], remoteEndpoint: ids[0], remote: { address: '127.0.0.1', port: bound.port }, keepaliveMs: 0, handshake: hs.callee });
  const rx = filePayload(host).attach(session, { inbox, idleTimeoutMs });
  const go: GoMessage = { type: 'go', callId, remotePort: rxT.socket.localPort, localEndpoint: ids[0], remoteEndpoint: ids[1], file, handshake: hs.caller };
  child.send(go);
  return { child, session, rx, next };
}

const exited = (c: ChildProcess) => new Promise<NodeJS.Signals | number | null>((r) => (c.exitCode !== null || c.signalCode !== null ? r(c.signalCode ?? c.exitCode) : c.once('exit', (code, sig) => r(sig ?? code))));

describe('payload-file: a peer killed mid-transfer resumes piece by piece', function () {
  this.timeout(60000);
  let host: Host;
  let rxT: MediaTransport;
  let dir: string;
  const children: ChildProcess[] = [];
  const sessions: DatagramSession[] = [];

  before(async () => {
    host = await fileHost();
    rxT = await transport(host);
    dir = tempDir('resume');
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const s of sessions) await s.close();
    await rxT.close();
    await host.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL part-way keeps the part; the same file sent again (new process, new call) re-sends only the rest, byte-identical', async () => {
    const inbox = path.join(dir, 'inbox');
    fs.mkdirSync(inbox);
    const file = await randomFile(dir, 'movie.bin', SIZE);

    // 1. First sender: killed for real once a few MiB have reached our disk.
    const first = await startSender(rxT, host, inbox, file, [0x9100, 0x9101]);
    children.push(first.child);
    sessions.push(first.session);
    const stalled = new Promise<PinholeError>((r) => first.rx.onError(r));
    await new Promise<void>((resolve) =>
      first.rx.onProgress((p) => {
        if (p.bytes >= KILL_AFTER && first.child.signalCode === null) {
          first.child.kill('SIGKILL');
          resolve();
        }
      }),
    );
    assert.equal(await exited(first.child), 'SIGKILL');
    const err = await stalled;
    assert.equal(err.code, 'E_FILE_STALLED');
    assert.match(err.message, /partial file is kept — send it again to resume/);
    await first.session.close('caller vanished'); // what the manager's hangup does
    await (first.rx as FileEndpoint).closed;
    assert.deepEqual(listDir(inbox), ['.movie.bin.pinhole-part', '.movie.bin.pinhole-part.pieces'], 'no file under the final name yet');

    // 2. The same file sent again from a new process on a new call: only the rest goes over the wire.
    const second = await startSender(rxT, host, inbox, file, [0x9200, 0x9201]);
    children.push(second.child);
    sessions.push(second.session);
    const received = new Promise<FileReceived>((r) => second.rx.onReceived(r));
    const done = (await second.next('done')) as Extract<ChildMessage, { type: 'done' }>;
    const got = await received;
    // Whole pieces: every piece verified and written before the kill is kept, and only those.
    const offset = done.sent.resumedFrom;
    assert.ok(offset >= KILL_AFTER && offset < SIZE && offset % (1 << 20) === 0, `resumed from ${offset} of ${SIZE}`);
    assert.equal(done.sent.transferred, SIZE - offset);
    assert.equal(got.resumedFrom, offset);
    assert.equal(got.transferred, SIZE - offset);
    // What actually crossed the wire on resume (frames both ways, counted by the receiver): ≈ size − offset.
    assert.ok(got.wireBytes >= SIZE - offset && got.wireBytes <= (SIZE - offset) * 1.001 + 4096, `wire bytes ${got.wireBytes} for ${SIZE - offset} remaining`);
    assert.equal(await sha256Of(path.join(inbox, 'movie.bin')), await sha256Of(file));
    assert.equal(got.hash, done.sent.hash);
    assert.deepEqual(listDir(inbox), ['movie.bin'], 'part and sidecar are gone');
    assert.equal(await exited(second.child), 0);
  });

  it('a sender restarted at once takes over the partial file from the stale call (E_FILE_SUPERSEDED there) and resumes', async () => {
    const inbox = path.join(dir, 'inbox3');
    fs.mkdirSync(inbox);
    const file = await randomFile(dir, 'quick.bin', 24 << 20);
    const first = await startSender(rxT, host, inbox, file, [0x9400, 0x9401], 30000);
    children.push(first.child);
    sessions.push(first.session);
    const firstErr = new Promise<PinholeError>((r) => first.rx.onError(r));
    await new Promise<void>((resolve) =>
      first.rx.onProgress((p) => {
        if (p.bytes >= 2 << 20 && first.child.signalCode === null) {
          first.child.kill('SIGKILL');
          resolve();
        }
      }),
    );
    await exited(first.child);
    // No stall detected (idle timeout 30 s) and no hangup: the old call still holds the part.
    const second = await startSender(rxT, host, inbox, file, [0x9500, 0x9501]);
    children.push(second.child);
    sessions.push(second.session);
    assert.equal((await firstErr).code, 'E_FILE_SUPERSEDED');
    const done = (await second.next('done')) as Extract<ChildMessage, { type: 'done' }>;
    assert.ok(done.sent.resumedFrom >= 2 << 20, `resumed from ${done.sent.resumedFrom}`);
    assert.equal(await sha256Of(path.join(inbox, 'quick.bin')), await sha256Of(file));
    assert.deepEqual(listDir(inbox), ['quick.bin']);
  });

  it('a receiver SIGKILLed part-way keeps every piece it had recorded; a new receiver on a new call resumes from those pieces, byte-identical', async () => {
    const inbox = path.join(dir, 'inbox4');
    fs.mkdirSync(inbox);
    const file = await randomFile(dir, 'crash.bin', 40 << 20);
    const senderHost = await fileHost({ idleTimeoutMs: 1000, streams: 3 });
    const txT = await transport(senderHost);
    try {
      // 1. A receiving process, killed for real once a few MiB are verified and on its disk.
      const child = fork(RX_CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--require', 'reflect-metadata'], serialization: 'advanced' });
      children.push(child);
      const first = { callId: 'crash-1', callerEndpoint: 0x9600, calleeEndpoint: 0x9601 };
      const hs1 = await handshakePair(host, first, 'file-sender', 'file-receiver');
      let killedAt = 0;
      const killed = new Promise<void>((resolve) =>
        child.on('message', (m: ReceiverChildMessage) => {
          if (m.type === 'bound') {
            const go: ReceiveMessage = { type: 'go', callId: first.callId, handshake: hs1.callee, remotePort: txT.socket.localPort, localEndpoint: first.calleeEndpoint, remoteEndpoint: first.callerEndpoint, inbox };
            child.send(go);
            void (async () => {
              const s = await txT.openSession({ callId: first.callId, role: 'caller', localEndpoint: first.callerEndpoint, remoteEndpoint: first.calleeEndpoint, remote: { address: '127.0.0.1', port: m.port }, keepaliveMs: 0, handshake: hs1.caller });
              sessions.push(s);
              await s.ping();
              await filePayload(senderHost).attach(s).send({ path: file }).catch((e: PinholeError) => e);
            })();
          } else if (m.type === 'progress' && m.bytes >= KILL_AFTER && !killedAt) {
            killedAt = m.bytes;
            child.kill('SIGKILL');
            resolve();
          }
        }),
      );
      await killed;
      assert.equal(await exited(child), 'SIGKILL');
      assert.deepEqual(listDir(inbox), ['.crash.bin.pinhole-part', '.crash.bin.pinhole-part.pieces'], 'the part and its piece record survive the crash');

      // 2. A new receiver (this process) with the same inbox, the same file again on a new call.
      const second = { callId: 'crash-2', callerEndpoint: 0x9700, calleeEndpoint: 0x9701 };
      const hs2 = await handshakePair(host, second, 'file-sender', 'file-receiver');
      const [rxS, txS] = await Promise.all([
        rxT.openSession({ callId: second.callId, role: 'callee', localEndpoint: second.calleeEndpoint, remoteEndpoint: second.callerEndpoint, remote: { address: '127.0.0.1', port: txT.socket.localPort }, keepaliveMs: 0, handshake: hs2.callee }),
        txT.openSession({ callId: second.callId, role: 'caller', localEndpoint: second.callerEndpoint, remoteEndpoint: second.calleeEndpoint, remote: { address: '127.0.0.1', port: rxT.socket.localPort }, keepaliveMs: 0, handshake: hs2.caller }),
      ]);
      sessions.push(rxS, txS);
      await txS.ping();
      const rx = filePayload(host).attach(rxS, { inbox });
      const received = new Promise<FileReceived>((r) => rx.onReceived(r));
      const sent = await filePayload(senderHost).attach(txS).send({ path: file });
      const got = await received;
      assert.ok(sent.resumedFrom >= killedAt && sent.resumedFrom % (1 << 20) === 0, `resumed from ${sent.resumedFrom}, at least the ${killedAt} bytes reported before the kill, in whole pieces`);
      assert.equal(got.resumedFrom, sent.resumedFrom);
      assert.equal(sent.transferred, (40 << 20) - sent.resumedFrom);
      assert.equal(await sha256Of(path.join(inbox, 'crash.bin')), await sha256Of(file));
      assert.deepEqual(listDir(inbox), ['crash.bin']);
    } finally {
      await txT.close();
      await senderHost.dispose();
    }
  });

  it('a part left by a different file of the same name is not continued: the transfer starts over', async () => {
    const inbox = path.join(dir, 'inbox2');
    fs.mkdirSync(inbox);
    fs.writeFileSync(path.join(inbox, '.doc.bin.pinhole-part'), Buffer.alloc(5000, 7));
    fs.writeFileSync(path.join(inbox, '.doc.bin.pinhole-part.pieces'), Buffer.concat([Buffer.from('PHPIECE1'), Buffer.alloc(100, 0xab)]));
    const file = await randomFile(dir, 'doc.bin', 9000);
    const s = await startSender(rxT, host, inbox, file, [0x9300, 0x9301]);
    children.push(s.child);
    sessions.push(s.session);
    const done = (await s.next('done')) as Extract<ChildMessage, { type: 'done' }>;
    assert.equal(done.sent.resumedFrom, 0);
    assert.equal(await sha256Of(path.join(inbox, 'doc.bin')), await sha256Of(file));
    assert.deepEqual(listDir(inbox), ['doc.bin']);
  });
});
