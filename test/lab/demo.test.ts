import { strict as assert } from 'assert';
import { execFile } from 'child_process';
import { checkLabPrerequisites } from '@pinhole/lab';
import { PINHOLE_BIN } from '../helpers/lab-procs';

describe('lab: pinhole demo --lab', function () {
  this.timeout(60000);
  before(function () {
    const pre = checkLabPrerequisites({ delayMs: 0 });
    if (!pre.ok) {
      console.log(`    skipping demo --lab: ${pre.missing.join('; ')}`);
      this.skip();
    }
  });

  it('walks the flow across filter × nat with real processes in each namespace and tears the lab down', async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [PINHOLE_BIN, 'demo', '--lab', '--a', 'filter', '--b', 'nat', '--json'], { timeout: 50000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const ready = events.filter((e) => e.event === 'call.ready');
    assert.deepEqual(ready.map((e) => e.node).sort(), ['alice@a', 'bob@b'], 'both ends report the direct path');
    assert.ok(ready.every((e) => e.path === 'direct'));
    assert.ok(events.some((e) => e.event === 'call.rtt' && e.node === 'alice@a'));
    const status = await new Promise<string>((resolve) => execFile(process.execPath, [PINHOLE_BIN, 'lab', 'status', '--prefix', 'phdemo', '--json'], (_e, out) => resolve(out)));
    assert.match(status, /"up":false/);
  });
});
