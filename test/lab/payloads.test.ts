/**
 * Payloads across real firewalls: a file through nat × filter with 2 % loss on each router,
 * and voice both ways through filter × nat, each with `pinhole peer` on b and `pinhole call` on a.
 */
import { strict as assert } from 'assert';
import { fileHash } from '@pinhole/payload-file';
import { createHash, randomBytes } from 'crypto';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkLabPrerequisites, Lab, MANAGER_ADDRESS, type NdjsonProc } from '@pinhole/lab';
import { identityArgs, startPinhole } from '../helpers/lab-procs';

const PREFIX = `phl${process.pid}`;
const MANAGER = `${MANAGER_ADDRESS}:8080`;
const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

async function withPeers(lab: Lab, peerArgs: string[], callArgs: string[]): Promise<{ code: number; caller: NdjsonProc; callee: NdjsonProc }> {
  const manager = startPinhole(lab, 'manager', ['manager', '--listen', MANAGER, '--udp', `${MANAGER_ADDRESS}:3478`]);
  const procs = [manager];
  try {
    await manager.waitFor('manager.ready', 10000);
    const callee = startPinhole(lab, 'b', ['peer', '--id', 'bob', '--manager', MANAGER, '--allow-any', ...identityArgs('bob'), ...peerArgs]);
    procs.push(callee);
    await callee.waitFor('peer.registered', 10000);
    const caller = startPinhole(lab, 'a', ['call', 'bob', '--id', 'alice', '--manager', MANAGER, ...identityArgs('alice'), '--pings', '2', ...callArgs]);
    procs.push(caller);
    const code: number = await Promise.race([caller.exited, new Promise<number>((r) => setTimeout(() => r(-2), 60000))]);
    await new Promise((r) => setTimeout(r, 500));
    return { code, caller, callee };
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
}

describe('lab: payloads across real firewalls', function () {
  this.timeout(90000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-lab-payload-'));
  before(function () {
    const pre = checkLabPrerequisites({ delayMs: 0 });
    if (!pre.ok) {
      console.log(`    skipping lab payloads: ${pre.missing.join('; ')}`);
      this.skip();
    }
  });

  describe('file: nat × filter with 2 % loss per router and 40 ms RTT', () => {
    let lab: Lab;
    before(async () => (lab = await Lab.up({ a: 'nat', b: 'filter', loss: 20, delayMs: 10, prefix: PREFIX })));
    after(async () => lab?.down());

    it('arrives byte-identical and verified through the opened window, its pieces spread over several streams (lost and reordered on the way)', async () => {
      const src = path.join(dir, 'lossy.bin');
      fs.writeFileSync(src, randomBytes(16 * 1024 * 1024 + 7));
      const inbox = fs.mkdtempSync(path.join(dir, 'inbox-'));
      const before = await lab.counters('ra');
      const r = await withPeers(lab, ['--inbox', inbox], ['--send', src]);
      const after = await lab.counters('ra');
      assert.equal(r.code, 0, JSON.stringify(r.caller.events) + r.caller.stderr.join('\n'));
      const done = r.caller.events.find((e) => e.event === 'file.done')!;
      assert.equal(done.hash, await fileHash(src));
      assert.equal(sha(path.join(inbox, 'lossy.bin')), sha(src), 'byte-identical in the inbox');
      assert.ok(after.loss_drop - before.loss_drop > 0, `the loss rule really dropped packets (${after.loss_drop - before.loss_drop})`);
      assert.ok(Number(done.streams) >= 2, `a 40 ms path starts with two streams or more (${String(done.streams)})`);
      console.log(`      16 MiB through 2 % loss per router, 40 ms RTT: ${String(done.MBps)} MB/s over ${String(done.streams)} streams, ${after.loss_drop - before.loss_drop} packets dropped at a's router`);
    });
  });

  describe('file: filter × nat, watched from the internet', () => {
    let lab: Lab;
    before(async () => (lab = await Lab.up({ a: 'filter', b: 'nat', prefix: PREFIX })));
    after(async () => lab?.down());

    it('a capture on the internet namespace holds neither the file\'s marker nor its SHA-256 (encrypted end to end)', async function () {
      if (!fs.existsSync('/usr/bin/tcpdump') && !fs.existsSync('/usr/sbin/tcpdump')) {
        console.log('      skipping: tcpdump is missing (Debian package tcpdump) to capture the internet link');
        this.skip();
      }
      const marker = Buffer.from(`PINHOLE-SECRET-MARKER-${randomBytes(8).toString('hex')}`);
      const src = path.join(dir, 'marked.bin');
      fs.writeFileSync(src, Buffer.concat([randomBytes(512 * 1024), marker, randomBytes(512 * 1024), marker]));
      const digest = createHash('sha256').update(fs.readFileSync(src)).digest();
      const pcap = path.join(dir, 'internet.pcap');
      // Everything crossing the internet namespace (both sites' WAN links and the manager).
      const capture = lab.exec('manager', ['tcpdump', '-i', 'any', '-s', '0', '-U', '-n', '-w', pcap]);
      await new Promise((r) => setTimeout(r, 1000));
      const inbox = fs.mkdtempSync(path.join(dir, 'inbox-'));
      const r = await withPeers(lab, ['--inbox', inbox], ['--send', src]);
      capture.kill('SIGINT');
      await new Promise((res) => capture.once('exit', res));
      assert.equal(r.code, 0, JSON.stringify(r.caller.events) + r.caller.stderr.join('\n'));
      assert.equal(sha(path.join(inbox, 'marked.bin')), digest.toString('hex'), 'the file arrived intact');
      const wire = fs.readFileSync(pcap);
      assert.ok(wire.length > 1024 * 1024, `the capture saw the transfer (${wire.length} bytes)`);
      assert.equal(wire.indexOf(marker), -1, 'the marker is not readable on the wire');
      assert.equal(wire.indexOf(digest), -1, 'nor the SHA-256 as bytes');
      assert.equal(wire.indexOf(Buffer.from(digest.toString('hex'))), -1, 'nor as hex');
      assert.equal(wire.indexOf(Buffer.from('marked.bin')), -1, 'nor even the file name');
      console.log(`      capture: ${wire.length} bytes on the internet link, no marker, no digest, no file name`);
    });
  });

  describe('voice: filter × nat, both directions at once', () => {
    let lab: Lab;
    before(async () => (lab = await Lab.up({ a: 'filter', b: 'nat', prefix: PREFIX })));
    after(async () => lab?.down());

    it('each side records the other, full length, and prints call quality', async function () {
      if (!fs.existsSync('/usr/bin/sox')) {
        console.log('      skipping: sox is missing (Debian package sox) to make the test WAVs');
        this.skip();
      }
      const say = path.join(dir, 'alice.wav');
      const reply = path.join(dir, 'bob.wav');
      execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', say, 'synth', '2', 'sine', '300-2000', 'vol', '0.5']);
      execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', reply, 'synth', '2', 'sine', '600', 'vol', '0.5']);
      const back = path.join(dir, 'back.wav');
      const inbox = fs.mkdtempSync(path.join(dir, 'inbox-'));
      const r = await withPeers(lab, ['--inbox', inbox, '--voice', reply], ['--voice', say, '--codec', 'pcmu', '--record', back]);
      assert.equal(r.code, 0, JSON.stringify(r.caller.events) + r.caller.stderr.join('\n'));
      const mine = r.caller.events.find((e) => e.event === 'voice.stats')!;
      const theirs = r.callee.events.find((e) => e.event === 'voice.stats')!;
      assert.ok(mine && theirs, 'both sides print voice.stats');
      assert.ok((mine.packetsReceived as number) >= 90, `alice heard bob: ${String(mine.packetsReceived)} packets`);
      assert.ok((theirs.packetsReceived as number) >= 90, `bob heard alice: ${String(theirs.packetsReceived)} packets`);
      const recorded = fs.readdirSync(inbox).filter((f) => f.endsWith('.wav'));
      assert.equal(recorded.length, 1);
      // 2 s of 8 kHz 16-bit mono = 32,000 bytes of samples (+ header); allow one 20 ms frame.
      for (const f of [back, path.join(inbox, recorded[0])]) assert.ok(Math.abs(fs.statSync(f).size - 44 - 32000) <= 320, `${f}: ${fs.statSync(f).size} bytes`);
      console.log(`      MOS alice ${String(mine.mos)} / bob ${String(theirs.mos)}`);
    });
  });
});
