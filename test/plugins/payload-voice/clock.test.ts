import { strict as assert } from 'assert';
import * as sinon from 'sinon';
import { MediaClock, Pacer } from '@pinhole/payload-voice';

describe('payload-voice: media clock and pacer (fake timers)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })));
  afterEach(() => clock.restore());

  it('ticks every 20 ms of media time, catching up after a stall instead of drifting', () => {
    const media = new MediaClock(1);
    const dues: number[] = [];
    const pacer = new Pacer(media, 20, (due) => {
      dues.push(due);
      if (dues.length === 10) clock.tick(75); // the event loop stalls for 75 ms inside a tick
    });
    pacer.begin();
    clock.tick(1000); // plus the 75 ms stall: 1075 ms in all
    pacer.stop();
    // 0, 20, …, 1060 ms: every due time once, exactly, however the stall fell.
    assert.equal(Math.round(media.now()), 1075);
    assert.deepEqual(dues, Array.from({ length: 54 }, (_, n) => n * 20));
    clock.tick(200);
    assert.equal(dues.length, 54, 'no ticks after stop');
  });

  it('runs the whole schedule `speed` times faster on the wall clock', () => {
    const media = new MediaClock(4);
    let ticks = 0;
    const pacer = new Pacer(media, 20, () => ticks++);
    pacer.begin();
    clock.tick(250); // 1000 ms of media time
    pacer.stop();
    assert.equal(ticks, 51);
    assert.equal(Math.round(media.now()), 1000);
  });
});
