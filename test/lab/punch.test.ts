/**
 * The spec's flow across real firewalls: for every ordered pair of open / filter / nat sites,
 * a `pinhole call` from host a reaches `pinhole peer` on host b directly, with the manager in the
 * "internet" namespace. The negative control disables the null packet by config and shows the
 * caller's datagrams dying at b's firewall; hardnat records the expected clean failure.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkLabPrerequisites, Lab, MANAGER_ADDRESS, type SiteKind } from '@pinhole/lab';
import type { NdjsonProc } from '@pinhole/lab';
import { identityArgs, startPinhole } from '../helpers/lab-procs';

const PREFIX = `php${process.pid}`;
const MANAGER = `${MANAGER_ADDRESS}:8080`;
const KINDS: SiteKind[] = ['open', 'filter', 'nat'];

function writeConfig(obj: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-lab-')), 'pinhole.config.json');
  fs.writeFileSync(file, JSON.stringify(obj));
  return file;
}

interface CallRun {
  code: number;
  events: Array<Record<string, unknown>>;
  callee: NdjsonProc;
  stderr: string;
}

/** Manager in the internet, peer bob on b, `pinhole call bob` from a; returns what happened. */
async function runCall(lab: Lab, extra: { config?: string; callArgs?: string[] } = {}): Promise<CallRun> {
  const cfg = extra.config ? ['--config', extra.config] : [];
  const manager = startPinhole(lab, 'manager', ['manager', '--listen', MANAGER, '--udp', `${MANAGER_ADDRESS}:3478`, ...cfg]);
  const procs = [manager];
  try {
    await manager.waitFor('manager.ready', 10000);
    const callee = startPinhole(lab, 'b', ['peer', '--id', 'bob', '--manager', MANAGER, '--allow-any', ...identityArgs('bob'), '--udp-port', '40000', ...cfg]);
    procs.push(callee);
    await callee.waitFor('peer.registered', 10000);
    const caller = startPinhole(lab, 'a', ['call', 'bob', '--id', 'alice', '--manager', MANAGER, ...identityArgs('alice'), '--udp-port', '40000', ...cfg, ...(extra.callArgs ?? [])]);
    procs.push(caller);
    const code: number = await Promise.race([caller.exited, new Promise<number>((r) => setTimeout(() => r(-2), 20000))]);
    await new Promise((r) => setTimeout(r, 200)); // let the callee print call.ended
    return { code, events: caller.events, callee, stderr: caller.stderr.join('\n') };
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
}

const ev = (events: Array<Record<string, unknown>>, name: string) => events.find((e) => e.event === name);

describe('lab: null-packet calls across real firewalls', function () {
  this.timeout(60000);
  before(function () {
    const pre = checkLabPrerequisites({ delayMs: 0 });
    if (!pre.ok) {
      console.log(`    skipping lab calls: ${pre.missing.join('; ')}`);
      this.skip();
    }
  });

  for (const a of KINDS)
    for (const b of KINDS) {
      const figure = a === 'filter' && b === 'filter' ? ' (spec Figure 5)' : a === 'open' && b === 'filter' ? ' (spec Figure 10)' : '';
      describe(`${a} × ${b}${figure}`, () => {
        let lab: Lab;
        before(async () => (lab = await Lab.up({ a, b, prefix: PREFIX })));
        after(async () => lab?.down());

        it('sets up a direct path; datagrams flow both ways, none through the manager', async () => {
          const r = await runCall(lab);
          assert.equal(r.code, 0, `call exited ${r.code}: ${JSON.stringify(r.events)} ${r.stderr}`);
          const ready = ev(r.events, 'call.ready')!;
          assert.equal(ready.path, 'direct');
          const [remoteHost] = String(ready.remote).split(':');
          assert.notEqual(remoteHost, MANAGER_ADDRESS, 'media does not go through the manager');
          assert.equal(remoteHost, b === 'nat' ? lab.nodes.rb.address : lab.nodes.b.address, 'the path ends at b (its public address behind NAT)');
          const rtt = ev(r.events, 'call.rtt')!;
          assert.equal((rtt.samples as number[]).length, 5);
          assert.ok((rtt.datagramsReceived as number) >= 5, 'answers came back from b');
          const incoming = await r.callee.waitFor('call.incoming', 1000);
          assert.equal(incoming.peer, 'alice');
        });
      });
    }

  describe('negative control: filter × filter with the null packet disabled by config', () => {
    let lab: Lab;
    before(async () => (lab = await Lab.up({ a: 'filter', b: 'filter', prefix: PREFIX })));
    after(async () => lab?.down());

    it("the caller's datagrams are dropped by b's firewall and never arrive; the call fails with a clear reason", async () => {
      const before = await lab.counters('rb');
      const config = writeConfig({ plugins: { 'punch-null-udp': { options: { sendNullPacket: false, probeTimeoutMs: 2000 } } } });
      const r = await runCall(lab, { config });
      assert.equal(r.code, 1);
      const failed = ev(r.events, 'call.failed')!;
      assert.equal(failed.code, 'E_WINDOW_TIMEOUT', JSON.stringify(r.events));
      const after = await lab.counters('rb');
      assert.ok(after.fwd_drop - before.fwd_drop >= 5, `b's router dropped the probes (${after.fwd_drop - before.fwd_drop})`);
      const ended = await r.callee.waitFor('call.ended', 3000);
      assert.equal(ended.received, 0, 'not one caller datagram reached the callee');
    });

    it('the same lab with the null packet enabled connects (so the control differs only by the null packet)', async () => {
      const r = await runCall(lab);
      assert.equal(r.code, 0, JSON.stringify(r.events) + r.stderr);
    });
  });

  for (const [a, b] of [['hardnat', 'filter'], ['filter', 'hardnat']] as Array<[SiteKind, SiteKind]>)
    describe(`${a} × ${b}: the null packet alone is expected to fail`, () => {
      let lab: Lab;
      before(async () => (lab = await Lab.up({ a, b, prefix: PREFIX })));
      after(async () => lab?.down());

      it('records what happens: the call fails cleanly with a reason, it does not hang', async () => {
        const config = writeConfig({ plugins: { 'punch-null-udp': { options: { probeTimeoutMs: 2000 } } } });
        const started = Date.now();
        const r = await runCall(lab, { config });
        const outcome = ev(r.events, 'call.failed') ?? ev(r.events, 'call.ready');
        console.log(`      ${a} × ${b} outcome: ${JSON.stringify(outcome)}`);
        assert.notEqual(r.code, -2, 'the call did not hang');
        assert.ok(Date.now() - started < 15000);
        if (r.code !== 0) {
          assert.equal(r.code, 1);
          assert.match(String(ev(r.events, 'call.failed')!.message), /hard|NAT|relay|window/i);
        }
      });
    });

});
