import { strict as assert } from 'assert';
import * as fs from 'fs';
import { createLogger, VideoCodec } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import { i420ToRgba, QualityControl, rgbaToI420 } from '@pinhole/codec-mjpeg';
import videoCodecCompliance, { lumaPsnr, pattern } from '../compliance/video-codec';

/** Worker threads alive in this process (the sandbox runs jpeg-js in one per encoder and decoder). */
const workers = async () => (process.getActiveResourcesInfo() as string[]).filter((r) => r === 'MessagePort' || r === 'Worker').length;

describe('codec-mjpeg', () => {
  let host: Host;
  before(() => (host = new Host({ config: {}, log: createLogger({ level: 'silent' }) })));
  after(async () => host.dispose());
  const mjpeg = async () => {
    const c = (await host.services.loadAll<VideoCodec>(VideoCodec, 'onCodec:mjpeg')).find((x) => x.name === 'mjpeg');
    assert.ok(c, 'codec-mjpeg binds a VideoCodec named mjpeg');
    return c;
  };

  it('converts I420 ↔ RGBA (BT.601) with little loss', () => {
    const f = pattern(3);
    const back = rgbaToI420(320, 240, i420ToRgba(320, 240, f.data));
    const db = lumaPsnr(f.data, back, 320 * 240);
    assert.ok(db > 30, `${db.toFixed(1)} dB`);
  });

  it('steers JPEG quality toward the per-frame byte budget, within its bounds', () => {
    const q = new QualityControl({ minQuality: 10, maxQuality: 90, startQuality: 60 });
    q.observe(20000, 5000);
    assert.equal(q.quality, 50, 'four times over budget: down by 10 at most');
    for (let i = 0; i < 20; i++) q.observe(20000, 5000);
    assert.equal(q.quality, 10);
    for (let i = 0; i < 40; i++) q.observe(1000, 5000);
    assert.equal(q.quality, 90);
  });

  // Measured at 1 Mbit/s (quality ~60) on the suite's pattern: 33–36 dB. Every frame is a
  // keyframe. Quality steps track a bitrate change within a few frames; ×1.8 covers the coarse
  // steps of JPEG quality near the bottom.
  videoCodecCompliance('mjpeg', { codec: mjpeg, minPsnrDb: 28, keyframeWithinFrames: 1, bitrateTolerance: 1.8, resources: workers });

  describe('isolated in a worker (config "isolation": "worker"): the same suite through RPC proxies', () => {
    let isolated: Host;
    before(() => (isolated = new Host({ config: { plugins: { 'codec-mjpeg': { isolation: 'worker' } } }, log: createLogger({ level: 'silent' }) })));
    after(async () => isolated.dispose());
    const remote = async () => {
      const c = (await isolated.services.loadAll<VideoCodec>(VideoCodec, 'onCodec:mjpeg')).find((x) => x.name === 'mjpeg');
      assert.ok(c && c.constructor.name === 'RemoteVideoCodec', 'a proxy of the VideoCodec in the worker');
      return c;
    };
    // Its jpeg-js workers run inside the isolation worker, out of the host's sight: count the process's OS threads instead.
    const threads = async () => fs.readdirSync('/proc/self/task').length;
    videoCodecCompliance('mjpeg', { codec: remote, minPsnrDb: 28, keyframeWithinFrames: 1, bitrateTolerance: 1.8, resources: threads });
  });
});
