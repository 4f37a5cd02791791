import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { VideoCall, VideoStats } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { Y4mReader } from '@pinhole/payload-video';
import { mediaHost } from '../../helpers/media';
import { impaired } from '../../helpers/voice';
import { haveFfmpeg, makeClip, psnr, videoPair, type VideoPair } from '../../helpers/video';

async function run(a: VideoCall, b: VideoCall): Promise<[VideoStats, VideoStats]> {
  await Promise.all([a.finished, b.finished]);
  return [await a.stop(), await b.stop()];
}

const frames = (f: string) => {
  const r = Y4mReader.open(f);
  const n = r.frameCount;
  r.close();
  return n;
};

describe('payload-video: calls on loopback sessions', function () {
  this.timeout(60000);
  let dir: string;
  let host: Host;
  let pair: VideoPair;
  before(function () {
    if (!haveFfmpeg()) {
      console.log('      skipping: ffmpeg with libvpx is missing (Debian package ffmpeg); it makes the clips and measures PSNR');
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-video-'));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));
  before(async () => (host = await mediaHost()));
  after(async () => host?.dispose());
  beforeEach(async () => (pair = await videoPair(host)));
  afterEach(async () => pair?.close());
  const file = (n: string) => path.join(dir, n);

  // Measured on a loaded 2-core machine (load average 10–15): vp8 at 600 kbit/s 320×240
  // averages 39–47 dB through 3 % loss with NACK. mjpeg (jpeg-js, 30–300 ms a frame there)
  // skips source frames when the encoder falls behind, and a skipped frame is recorded as a
  // repeat of the last one, so it runs on a slowly zooming source at 5 fps: 24 dB floor.
  for (const [codec, w, h, fps, floorDb, slow] of [
    ['vp8', 320, 240, 15, 30, false],
    ['mjpeg', 160, 120, 5, 24, true],
  ] as const) {
    it(`${codec} both ways through 3 % loss and 0–30 ms jitter: every frame recorded in place, PSNR ≥ ${floorDb} dB, loss repaired by NACK`, async () => {
      const aIn = makeClip(dir, `${codec}-a`, { width: w, height: h, fps, seconds: 4, source: slow ? 'mandelbrot' : 'testsrc2' });
      const bIn = makeClip(dir, `${codec}-b`, { width: w, height: h, fps, seconds: 4, source: 'mandelbrot' });
      const net = (seed: number) => ({ loss: 0.03, jitterMs: 30, seed });
      const [a, b] = await Promise.all([
        pair.video.start(impaired(pair.caller, net(1)), { input: aIn, record: file(`${codec}-at-a.y4m`), codec }),
        pair.video.start(impaired(pair.callee, net(2)), { input: bIn, record: file(`${codec}-at-b.y4m`) }),
      ]);
      assert.deepEqual([a.codec, b.codec], [codec, codec]);
      const [sa, sb] = await run(a, b);
      for (const [src, rec, st, peer, who] of [
        [aIn, file(`${codec}-at-b.y4m`), sb, sa, 'b receives a'],
        [bIn, file(`${codec}-at-a.y4m`), sa, sb, 'a receives b'],
      ] as const) {
        assert.equal(frames(rec), frames(src), `${who}: the recording has the source's length`);
        const q = psnr(rec, src);
        console.log(`      ${codec} ${who}: PSNR mean ${q.mean.toFixed(1)} dB (min ${q.min.toFixed(1)}), decoded ${st.framesDecoded}/${peer.framesSent} sent, dropped ${st.framesDropped}, lost ${st.packetsLost}, recovered ${st.packetsRecovered}, freezes ${st.freezeCount}`);
        assert.ok(q.mean >= floorDb, `${who}: PSNR ${q.mean.toFixed(1)} dB < ${floorDb}`);
        assert.ok(st.packetsRecovered > 0 && st.nackSent > 0, `${who}: NACK repaired losses ${JSON.stringify(st)}`);
        assert.ok(st.framesDecoded >= Math.floor(0.9 * peer.framesSent) - 1, `${who}: ${st.framesDecoded} of ${peer.framesSent} frames decoded`);
        assert.ok(st.jitterMs > 1 && st.rttMs !== undefined && st.remoteFramesDecoded !== undefined, `${who}: reports ${JSON.stringify(st)}`);
      }
    });
  }
});
