/**
 * `pinhole lab matrix`: every ordered pair of open / filter / nat / hardnat, one lab each, with
 * the manager advertising the lab's coturn, `pinhole peer` on b and `pinhole call` on a. Every
 * pair connects; every pair with at most one hard side goes direct; hardnat × hardnat relays.
 * Negative control: hardnat × hardnat without the TURN server fails, and the command says so.
 */
import { strict as assert } from 'assert';
import { checkLabPrerequisites, MATRIX_KINDS, runLabCli } from '@pinhole/lab';

const PREFIX = `phm${process.pid}`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ev = Record<string, any>;

async function matrix(args: string[]): Promise<{ code: number; events: Ev[] }> {
  const lines: string[] = [];
  const code = await runLabCli(['matrix', '--prefix', PREFIX, ...args], (l) => lines.push(l), true);
  return { code, events: lines.map((l) => JSON.parse(l)) };
}

describe('lab: the full matrix (every pair connects, path reported)', function () {
  // 16 labs, each with its coturn, manager, peer and call processes.
  this.timeout(20 * 60000);
  before(function () {
    const pre = checkLabPrerequisites({ delayMs: 0, turn: true });
    if (!pre.ok) {
      console.log(`    skipping the lab matrix: ${pre.missing.join('; ')}`);
      this.skip();
    }
  });

  it('all 16 ordered pairs connect: direct with at most one hard side, through coturn for hardnat × hardnat', async () => {
    const { code, events } = await matrix(['--trials', '1']);
    const pairs = events.filter((e) => e.event === 'lab.matrix.pair');
    assert.deepEqual(
      pairs.map((p) => `${p.a}×${p.b}`),
      MATRIX_KINDS.flatMap((a) => MATRIX_KINDS.map((b) => `${a}×${b}`)),
    );
    for (const p of pairs) {
      const bothHard = p.a === 'hardnat' && p.b === 'hardnat';
      assert.equal(p.ok, 1, JSON.stringify(p));
      assert.deepEqual(p.paths, bothHard ? { relay: 1 } : { direct: 1 }, JSON.stringify(p));
      if (bothHard) assert.deepEqual(p.strategies, { 'relay-turn': 1 });
      else if (p.a === 'hardnat' || p.b === 'hardnat') assert.deepEqual(p.strategies, { birthday: 1 }, JSON.stringify(p));
      assert.ok(p.medianMs > 0 && p.p95Ms >= p.medianMs);
    }
    console.log(`      ${pairs.map((p) => `${p.a}×${p.b} ${Object.keys(p.paths)[0]} ${Math.round(p.medianMs)} ms`).join('; ')}`);
    assert.equal(events.at(-1)!.event, 'lab.matrix');
    assert.equal(events.at(-1)!.allOk, true);
    assert.equal(code, 0);
  });

  it('negative control: hardnat × hardnat with --no-turn fails every call with E_NO_RELAY, and the command exits 1', async () => {
    const { code, events } = await matrix(['--trials', '2', '--kinds', 'hardnat', '--no-turn']);
    const [pair] = events.filter((e) => e.event === 'lab.matrix.pair');
    assert.equal(pair.ok, 0, JSON.stringify(pair));
    assert.deepEqual(pair.failures, { E_NO_RELAY: 2 });
    assert.equal(events.at(-1)!.allOk, false);
    assert.equal(code, 1);
  });
});
