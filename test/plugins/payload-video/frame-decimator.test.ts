import { strict as assert } from 'assert';
import { FrameDecimator } from '@pinhole/payload-video';

function sent(share: number, frames: number): boolean[] {
  const d = new FrameDecimator();
  return Array.from({ length: frames }, () => d.admit(share));
}

describe('payload-video: FrameDecimator (which source frames are encoded)', () => {
  it('sends every frame at a share of 1, and at a share just under 1 (the dead band): no frame is skipped for a 1–5 % overshoot', () => {
    for (const share of [1, 0.99, 0.986, 0.96]) assert.equal(sent(share, 150).filter(Boolean).length, 150, `share ${share}`);
  });

  it('sends the share asked for, spread evenly (never two skips in a row at a share above ½)', () => {
    for (const share of [0.9, 0.75, 0.5, 0.25]) {
      const out = sent(share, 600);
      const n = out.filter(Boolean).length;
      assert.ok(Math.abs(n - share * 600) <= 1, `share ${share}: ${n} of 600`);
      if (share > 0.5) assert.ok(!out.some((x, i) => !x && out[i + 1] === false), `share ${share}: two skips in a row`);
    }
  });

  it('half the frame rate sends every other frame; a share of 0 sends nothing; a share back to 1 sends every frame at once', () => {
    const d = new FrameDecimator();
    const half = Array.from({ length: 10 }, () => d.admit(0.5));
    assert.deepEqual(half.filter(Boolean).length, 5);
    assert.ok(!Array.from({ length: 10 }, () => d.admit(0)).some(Boolean));
    assert.ok(Array.from({ length: 10 }, () => d.admit(1)).every(Boolean));
  });
});
