import { strict as assert } from 'assert';
import { JitterBuffer, type PlayoutSlot, type VoicePluginOptions } from '@pinhole/payload-voice';
import { pluginOptions } from '../../helpers/plugin-options';
import { rng } from '../../helpers/rng';

const RATE = 8000;
const FRAME = 160; // 20 ms
/** The plugin's delay bounds as configured by default (its manifest). */
const DELAYS = pluginOptions<VoicePluginOptions>('payload-voice');

interface Run {
  played: Array<PlayoutSlot<number>>;
  jb: JitterBuffer<number>;
  results: string[];
}

interface SimOptions {
  minDelayMs?: number;
  floorDelayMs?: number;
  maxDelayMs?: number;
  /** How often playout runs (ms); the voice call runs it when a slot is due, i.e. ~1 ms. */
  pollMs?: number;
}

/**
 * Drives a buffer from synthetic arrivals: frame i (sent at i·20 ms by the sender's clock)
 * arrives at `arrival(i)`; playout runs every `pollMs` (5 ms). Unless told otherwise the floor
 * is a fixed 20 ms, so these tests see the quantile, peak and drift logic on their own.
 */
function simulate(frames: number, arrival: (i: number) => number | undefined, opts: SimOptions = {}): Run {
  const jb = new JitterBuffer<number>({
    clockRate: RATE,
    frameSamples: FRAME,
    minDelayMs: opts.minDelayMs ?? 20,
    floorDelayMs: opts.floorDelayMs ?? 20,
    maxDelayMs: opts.maxDelayMs ?? DELAYS.maxDelayMs,
  });
  const events = Array.from({ length: frames }, (_, i) => ({ i, at: arrival(i) }))
    .filter((e): e is { i: number; at: number } => e.at !== undefined)
    .sort((a, b) => a.at - b.at);
  const played: Array<PlayoutSlot<number>> = [];
  const results: string[] = [];
  let k = 0;
  const end = (events.length ? events[events.length - 1].at : 0) + 1000;
  for (let now = 0; now <= end; now += opts.pollMs ?? 5) {
    while (k < events.length && events[k].at <= now) {
      results.push(jb.insert(events[k].i * FRAME, events[k].i, events[k].at));
      k++;
    }
    played.push(...jb.pop(now, frames * FRAME));
  }
  return { played, jb, results };
}

const meanDelay = (jb: JitterBuffer<number>) => jb.stats.delaySumMs / Math.max(1, jb.stats.played);

describe('payload-voice: adaptive jitter buffer (synthetic arrivals)', () => {
  it('plays an even stream in order with the minimum delay and nothing late', () => {
    const { played, jb } = simulate(200, (i) => 50 + i * 20);
    assert.deepEqual(played.map((s) => s.item), Array.from({ length: 200 }, (_, i) => i));
    assert.equal(jb.stats.late, 0);
    assert.ok(Math.abs(meanDelay(jb) - 20) < 0.5, `delay ${meanDelay(jb)} ms`);
  });

  it('puts reordered frames back in order (every pair swapped, 15 ms apart)', () => {
    const { played, jb } = simulate(200, (i) => 50 + i * 20 + (i % 2 === 0 ? 15 : -5));
    assert.deepEqual(played.map((s) => s.item), Array.from({ length: 200 }, (_, i) => i));
    assert.equal(jb.stats.late + jb.stats.missing, 0);
  });

  it('adapts to random jitter: a fifth of the spread above the 95th percentile, under 1 % late', () => {
    const r = rng(5);
    const delays = Array.from({ length: 1500 }, () => r.next() * 60); // uniform 0–60 ms
    const { jb } = simulate(1500, (i) => 50 + i * 20 + delays[i]);
    const lateShare = jb.stats.late / 1500;
    assert.ok(lateShare < 0.01, `late ${(lateShare * 100).toFixed(1)} %`);
    // Uniform 0–60 ms: the 95th percentile above the fastest packet is ≈ 57 ms, plus 0.2 × 57.
    const d = meanDelay(jb);
    assert.ok(d > 55 && d < 75, `mean delay ${d.toFixed(1)} ms`);
  });

  describe('the floor follows the measured spread (the manifest defaults: 2 ms minimum, 25 ms floor)', () => {
    const adaptive = (frames: number, arrival: (i: number) => number): Run => simulate(frames, arrival, { minDelayMs: DELAYS.minDelayMs, floorDelayMs: DELAYS.floorDelayMs, pollMs: 1 });

    it('a steady path (0–0.5 ms jitter) plays within a few ms of the fastest packet once the spread is known, nothing late', () => {
      const r = rng(11);
      const { jb } = adaptive(500, (i) => 50 + i * 20 + r.next() * 0.5);
      assert.equal(jb.stats.late, 0);
      assert.ok(jb.delayMs < 4, `delay at the end ${jb.delayMs.toFixed(1)} ms`);
    });

    it('starts at the full floor until 50 packets showed the spread', () => {
      const jb = new JitterBuffer<number>({ clockRate: RATE, frameSamples: FRAME, ...DELAYS });
      for (let i = 0; i < 10; i++) jb.insert(i * FRAME, i, 50 + i * 20);
      jb.pop(0);
      assert.equal(jb.delayMs, 25);
    });

    for (const [what, jitter, late] of [
      ['0–40 ms uniform', (r: () => number) => r() * 40, 0.005],
      ['exponential, 10 ms mean', (r: () => number) => -10 * Math.log(1 - r()), 0.025],
    ] as const)
      it(`a jittery path (${what}) keeps the full floor and the tail margin: late under ${late * 100} %`, () => {
        const g = rng(12);
        const { jb } = adaptive(3000, (i) => 50 + i * 20 + jitter(() => g.next()));
        assert.ok(jb.stats.late / 3000 < late, `late ${((100 * jb.stats.late) / 3000).toFixed(2)} %`);
        assert.ok(meanDelay(jb) >= 25, `delay ${meanDelay(jb).toFixed(1)} ms`);
      });
  });

  it('rides out recurring bursts: after two 200 ms stalls the delay covers them and nothing more is late', () => {
    // Every 2 s the network holds packets for 200 ms, then delivers them at once (a stall + burst).
    const arrival = (i: number) => {
      const t = i * 20;
      const inStall = t % 2000 >= 1000 && t % 2000 < 1200;
      return 50 + (inStall ? t - (t % 2000) + 1200 : t);
    };
    const twoStalls = simulate(200, arrival);
    const all = simulate(1500, arrival); // 15 stalls over 30 s
    assert.ok(twoStalls.jb.stats.late > 0, 'stalls cost late frames until they recur');
    assert.equal(all.jb.stats.late, twoStalls.jb.stats.late, 'no late frames after the second stall');
    assert.ok(all.jb.stats.maxDelayMs >= 180 && all.jb.stats.maxDelayMs <= 220, `delay grew to ${all.jb.stats.maxDelayMs.toFixed(1)} ms`);
    const got = all.played.filter((s) => s.item !== undefined).map((s) => s.item as number);
    assert.ok(got.every((v, i) => i === 0 || v > got[i - 1]), 'played in order');
  });

  it('shrinks the delay again when jitter stops (at most 10 % faster playout)', () => {
    const r = rng(9);
    const { jb, played } = simulate(1500, (i) => 50 + i * 20 + (i < 500 ? r.next() * 100 : 0));
    const late = jb.stats.late;
    assert.ok(jb.delayMs < 25, `delay at the end ${jb.delayMs.toFixed(1)} ms`);
    assert.equal(played.length, 1500);
    assert.ok(late < 60, `late ${late}`);
  });

  for (const drift of [1.01, 0.99]) {
    it(`follows a sender clock ${drift > 1 ? '1 % fast' : '1 % slow'} for 60 s: no late frames, bounded delay and buffer`, () => {
      const r = rng(3);
      // Sender frame i leaves at i·20/drift ms of receiver time, plus 0–10 ms jitter.
      const { jb, played } = simulate(3000, (i) => 50 + (i * 20) / drift + r.next() * 10);
      assert.ok(jb.stats.late <= 3, `late ${jb.stats.late}`);
      assert.ok(jb.stats.maxDelayMs < 80, `max delay ${jb.stats.maxDelayMs.toFixed(1)} ms`);
      assert.equal(played.filter((s) => s.item !== undefined).length, 3000 - jb.stats.late);
      assert.ok(jb.size <= 1, `left buffered: ${jb.size}`);
    });
  }

  it('counts duplicates and late frames, refuses frames far in the future, and drains at the end', () => {
    const jb = new JitterBuffer<number>({ clockRate: RATE, frameSamples: FRAME, ...DELAYS });
    assert.equal(jb.insert(0, 0, 100), 'ok');
    assert.equal(jb.insert(0, 0, 101), 'duplicate');
    assert.equal(jb.insert(FRAME * 2, 2, 140), 'ok');
    const slots = jb.pop(1000);
    assert.ok(slots.length >= 3);
    assert.deepEqual(slots.slice(0, 3).map((s) => s.item), [0, undefined, 2]);
    assert.equal(jb.insert(FRAME, 1, 1001), 'late');
    assert.equal(jb.insert(FRAME * 100_000, 9, 1002), 'early');
    jb.insert(jb.nextPosition + FRAME * 3, 7, 1003);
    const rest = jb.drain();
    assert.deepEqual(rest.map((s) => s.item), [undefined, undefined, undefined, 7]);
    assert.deepEqual([jb.stats.duplicate, jb.stats.late, jb.stats.early, jb.size], [1, 1, 1, 0]);
  });
});
