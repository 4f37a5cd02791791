import { strict as assert } from 'assert';
import { execFile } from 'child_process';
import * as path from 'path';

const BIN = path.resolve(__dirname, '..', '..', '..', 'core', 'bin', 'pinhole.js');
const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [BIN, ...args], { timeout: 30000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })),
  );

describe('app: pinhole demo (npm start)', function () {
  this.timeout(40000);

  for (const optimistic of [false, true])
    it(`walks through the whole flow on loopback and prints every step${optimistic ? ' (optimistic)' : ''}`, async () => {
      const r = await run(['demo', '--json', ...(optimistic ? ['--optimistic'] : [])]);
      assert.equal(r.code, 0, r.stderr);
      const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      const names = events.map((e) => e.event);
      for (const n of ['demo.manager', 'demo.registered', 'demo.call', 'demo.openWindow', 'demo.nullPacket', 'demo.windowOpened', 'demo.ready', 'demo.firstDatagram', 'demo.rtt', 'demo.hangup'])
        assert.ok(names.includes(n), `missing ${n} in ${names.join(',')}`);
      const ms = (n: string) => events.find((e) => e.event === n).ms as number;
      // Spec order: OpenWindow before the null packet before WindowOpened; the first datagram last.
      assert.ok(ms('demo.openWindow') <= ms('demo.nullPacket') && ms('demo.nullPacket') <= ms('demo.windowOpened'));
      // The caller probes only after Ready; optimistic, Ready (and so the answer) may precede WindowOpened.
      assert.ok(ms('demo.firstDatagram') >= (optimistic ? ms('demo.ready') : ms('demo.windowOpened')));
      if (optimistic) assert.ok(ms('demo.ready') <= ms('demo.windowOpened'), 'optimistic Ready comes before WindowOpened');
      else assert.ok(ms('demo.ready') >= ms('demo.windowOpened'), 'Ready only after WindowOpened (spec step 88)');
      const ready = events.find((e) => e.event === 'call.ready');
      assert.equal(ready.path, 'direct');
      const rtt = events.find((e) => e.event === 'demo.rtt');
      assert.equal(rtt.samples.length, 5);
    });

  it('prints human steps without --json', async () => {
    const r = await run(['demo']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /alice -> manager {2}CallRequest\(bob\)/);
    assert.match(r.stdout, /null datagram \(0-byte payload, ttl 3\)/);
    assert.match(r.stdout, /rtt +median [\d.]+ ms/);
  });
});
