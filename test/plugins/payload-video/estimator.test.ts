import { strict as assert } from 'assert';
import { DelayEstimator, RateController, PlayoutDelay } from '@pinhole/payload-video';

/**
 * The GCC-style estimator on synthetic paths: packets sent at `sendBps` through a bottleneck of
 * `linkBps` (a FIFO queue: each packet leaves when the link is free), arrival = departure + 20 ms.
 */
function drive(est: DelayEstimator, sendBps: () => number, linkBps: number, seconds: number, t0 = 0): number {
  const size = 1200;
  let linkFree = t0;
  let t = t0;
  while (t < t0 + seconds * 1000) {
    const depart = Math.max(t, linkFree) + (size * 8 * 1000) / linkBps;
    linkFree = depart;
    est.onPacket(t, depart + 20, size);
    t += (size * 8 * 1000) / sendBps();
  }
  return t;
}

describe('payload-video: bandwidth estimation', () => {
  it('over-use: sending 1.5 Mbit/s into a 600 kbit/s bottleneck brings the estimate under 600 kbit/s', () => {
    const est = new DelayEstimator({ startBps: 1_500_000, minBps: 50_000, maxBps: 5_000_000 });
    drive(est, () => 1_500_000, 600_000, 3);
    assert.equal(est.signal === 'overuse' || est.estimate < 600_000, true, `signal ${est.signal}`);
    assert.ok(est.estimate < 600_000, `estimate ${Math.round(est.estimate / 1000)} kbit/s`);
  });

  it('a sender following the estimate settles under the bottleneck and stays near it', () => {
    const est = new DelayEstimator({ startBps: 300_000, minBps: 50_000, maxBps: 5_000_000 });
    const seen: number[] = [];
    let t = 0;
    for (let s = 0; s < 30; s++) {
      t = drive(est, () => est.estimate, 1_000_000, 1, t);
      seen.push(Math.round(est.estimate / 1000));
    }
    const tail = seen.slice(10);
    assert.ok(Math.max(...tail) < 1300 && Math.min(...tail) > 300, `estimates (kbit/s): ${seen.join(' ')}`);
  });

  it('a clean path lets the estimate grow (application-limited: up to 1.5× what arrives)', () => {
    const est = new DelayEstimator({ startBps: 300_000, minBps: 50_000, maxBps: 5_000_000 });
    drive(est, () => 400_000, 100_000_000, 5);
    assert.ok(est.estimate > 400_000 && est.estimate <= 1.5 * 400_000 + 10_000 + 1, `estimate ${Math.round(est.estimate / 1000)}`);
  });

  it('a 500 ms outage is not read as over-use (the trend starts afresh)', () => {
    const est = new DelayEstimator({ startBps: 600_000, minBps: 50_000, maxBps: 5_000_000 });
    let t = drive(est, () => 600_000, 100_000_000, 3);
    const before = est.estimate;
    // Nothing arrives for 500 ms: the first packet after it lands 500 ms late, then the path is as before.
    est.onPacket(t, t + 520, 1200);
    t = drive(est, () => 600_000, 100_000_000, 2, t + 16);
    assert.equal(est.signal === 'overuse', false);
    assert.ok(est.estimate >= before, `estimate ${Math.round(est.estimate / 1000)} kbit/s (was ${Math.round(before / 1000)})`);
  });

  it('the sender takes the lower of loss-based and delay-based rates; heavy loss cuts, light loss holds', () => {
    const rc = new RateController({ startBps: 1_000_000, minBps: 50_000, maxBps: 5_000_000 });
    rc.onFeedback(0.2, 2_000_000, 0);
    assert.equal(Math.round(rc.target), 900_000, 'loss 20 %: ×(1 − 0.1)');
    rc.onFeedback(0.05, 2_000_000, 250);
    assert.equal(Math.round(rc.target), 900_000, 'loss 5 %: hold');
    rc.onFeedback(0, 400_000, 500);
    assert.equal(Math.round(rc.target), 400_000, 'delay-based estimate is lower');
  });

  it('the frame buffer covers measured jitter, and a retransmission once loss is seen', () => {
    const d = new PlayoutDelay(20, 600);
    for (let i = 0; i < 100; i++) d.observe(50 + (i % 10) * 3);
    assert.equal(d.base, 50);
    assert.equal(d.target(80), 37, "q95 of 0–27 ms spread + 10 ms");
    d.lossSeen = true;
    assert.equal(d.target(80), 27 + 80 + 30 + 10);
    assert.equal(d.target(80, 400), 400, 'lip sync may ask for more');
  });
});
