import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Host } from '@pinhole/core/host';
import { mediaHost } from '../../helpers/media';
import { haveFfmpeg, makeClip, psnr, videoPair, type VideoPair } from '../../helpers/video';

/** A video call whose codec runs isolated: payload-video cannot tell the proxies from the codec. */
describe('isolation: a video call with vp8 isolated in a worker', function () {
  this.timeout(60000);
  let dir: string;
  let host: Host;
  let pair: VideoPair;
  before(async function () {
    if (!haveFfmpeg()) {
      console.log('      skipping: ffmpeg with libvpx is missing (Debian package ffmpeg); vp8 runs it');
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-iso-video-'));
    // Starting an encoder waits for ffmpeg to take frames: seconds on a busy machine.
    host = await mediaHost({ plugins: { 'codec-vp8': { isolation: 'worker', limits: { callTimeoutMs: 30_000 } } } });
    pair = await videoPair(host);
  });
  after(async () => {
    await pair?.close();
    await host?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('carries both directions, every frame recorded, PSNR ≥ 30 dB', async () => {
    assert.equal(host.plugins.get('codec-vp8')?.isolation, 'worker');
    const aIn = makeClip(dir, 'a', { width: 320, height: 240, fps: 15, seconds: 2, source: 'testsrc2' });
    const bIn = makeClip(dir, 'b', { width: 320, height: 240, fps: 15, seconds: 2, source: 'mandelbrot' });
    const rec = (n: string) => path.join(dir, n);
    const [a, b] = await Promise.all([
      pair.video.start(pair.caller, { input: aIn, record: rec('at-a.y4m'), codec: 'vp8' }),
      pair.video.start(pair.callee, { input: bIn, record: rec('at-b.y4m') }),
    ]);
    assert.deepEqual([a.codec, b.codec], ['vp8', 'vp8']);
    await Promise.all([a.finished, b.finished]);
    const [sa, sb] = [await a.stop(), await b.stop()];
    for (const [src, at, st, peer] of [
      [aIn, rec('at-b.y4m'), sb, sa],
      [bIn, rec('at-a.y4m'), sa, sb],
    ] as const) {
      const q = psnr(at, src);
      assert.ok(q.mean >= 30, `PSNR ${q.mean.toFixed(1)} dB`);
      assert.ok(st.framesDecoded >= Math.floor(0.9 * peer.framesSent) - 1, `${st.framesDecoded} of ${peer.framesSent} frames decoded`);
    }
  });
});
