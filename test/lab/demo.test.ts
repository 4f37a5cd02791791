import { strict as assert } from 'assert';
import { execFile } from 'child_process';
import { checkLabPrerequisites } from '@pinhole/lab';
import { PINHOLE_BIN } from '../helpers/lab-procs';

describe('lab: pinhole demo --lab', function () {
  this.timeout(120000);
  before(function () {
    const pre = checkLabPrerequisites({ delayMs: 0 });
    if (!pre.ok) {
      console.log(`    skipping demo --lab: ${pre.missing.join('; ')}`);
      this.skip();
    }
  });

  it('walks the flow across filter × nat with real processes in each namespace, two runs side by side, each tearing its own lab down', async () => {
    // No fixed prefix: each run names its lab after its process, so two at once do not collide.
    const run = () =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [PINHOLE_BIN, 'demo', '--lab', '--a', 'filter', '--b', 'nat', '--json'], { timeout: 90000 }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const runs = await Promise.all([run(), run()]);
    const prefixes: string[] = [];
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      const up = events.find((e) => e.event === 'lab.up');
      assert.match(String(up?.prefix), /^demo-\d+$/);
      prefixes.push(up.prefix);
      const ready = events.filter((e) => e.event === 'call.ready');
      assert.deepEqual(ready.map((e) => e.node).sort(), ['alice@a', 'bob@b'], 'both ends report the direct path');
      assert.ok(ready.every((e) => e.path === 'direct'));
      assert.ok(events.some((e) => e.event === 'call.rtt' && e.node === 'alice@a'));
    }
    assert.notEqual(prefixes[0], prefixes[1]);
    for (const prefix of prefixes) {
      const status = await new Promise<string>((resolve) => execFile(process.execPath, [PINHOLE_BIN, 'lab', 'status', '--prefix', prefix, '--json'], (_e, out) => resolve(out)));
      assert.match(status, /"up":false/);
    }
  });
});
