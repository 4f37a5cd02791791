import { strict as assert } from 'assert';
import { CodecError, i420Size, type EncodedVideoFrame, type VideoCodec, type VideoEncoder, type VideoFrame } from '@pinhole/core';
import { rng } from '../../helpers/rng';

/** What a video codec plugin provides to the suite. */
export interface VideoCodecSetup {
  /** The codec exactly as consumers find it (bound by the plugin, picked by name). */
  codec(): Promise<VideoCodec>;
  /** Mean luma PSNR floor of the round trip at 1 Mbit/s on the suite's 320×240 moving pattern; state it where it is set. */
  minPsnrDb: number;
  /** A requested keyframe must come out within this many frames (fed at 15 fps). */
  keyframeWithinFrames: number;
  /** After a bitrate change, the measured rate must be within this factor of the target (e.g. 1.6: from target/1.6 to target×1.6). */
  bitrateTolerance: number;
  /** Live resources of the codec's engine (child processes, worker threads) now, to check dispose releases them. */
  resources(): Promise<number>;
}

const W = 320;
const H = 240;
const FPS = 15;

/** A moving test picture: a diagonal gradient, a bouncing box and fine texture (stable across runs). */
export function pattern(n: number, width = W, height = H): VideoFrame {
  const data = Buffer.alloc(i420Size(width, height));
  const bx = (n * 7) % (width - 60);
  const by = (n * 5) % (height - 40);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const inBox = x >= bx && x < bx + 60 && y >= by && y < by + 40;
      data[y * width + x] = inBox ? 235 : 16 + ((x + y + n * 2) % 200) + ((x * y) % 7);
    }
  const cw = width >> 1;
  const ch = height >> 1;
  for (let y = 0; y < ch; y++)
    for (let x = 0; x < cw; x++) {
      data[width * height + y * cw + x] = 128 + Math.round(40 * Math.sin((x + n) / 9));
      data[width * height + cw * ch + y * cw + x] = 128 + Math.round(40 * Math.cos((y - n) / 7));
    }
  return { width, height, data };
}

export function lumaPsnr(a: Buffer, b: Buffer, pixels: number): number {
  let se = 0;
  for (let i = 0; i < pixels; i++) se += (a[i] - b[i]) ** 2;
  return se === 0 ? 100 : 10 * Math.log10((255 * 255) / (se / pixels));
}

async function expectCodecError(p: Promise<unknown>, codes: string[], what: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CodecError, `${what}: expected a CodecError, got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    assert.ok(codes.includes(err.code), `${what}: code ${err.code}, expected ${codes.join(' or ')}`);
    assert.ok(err.message.length > 10, `${what}: the message says what is wrong`);
    return true;
  });
}

/** Encodes frames `from`… back to back, or at the frame rate (`paced`: what a live source does, and what an engine that switches processes in the background needs). */
async function feed(enc: VideoEncoder, from: number, count: number, paced = false): Promise<EncodedVideoFrame[]> {
  const out: EncodedVideoFrame[] = [];
  const t0 = performance.now();
  for (let i = from; i < from + count; i++) {
    if (paced) await new Promise((r) => setTimeout(r, Math.max(0, t0 + ((i - from) * 1000) / FPS - performance.now())));
    out.push(await enc.encode(pattern(i)));
  }
  return out;
}

/**
 * Every video codec plugin runs this from its own test: description, round-trip quality,
 * keyframes on request, bitrate changes respected, bad input refused with CodecError codes and
 * no crash, and dispose releasing the engine (child process or worker).
 */
export default function videoCodecCompliance(name: string, setup: VideoCodecSetup): void {
  describe(`video codec compliance: ${name}`, function () {
    this.timeout(60000);
    let codec: VideoCodec;
    before(async function () {
      codec = await setup.codec();
      const a = await codec.available();
      if (!a.ok) {
        console.log(`      skipping ${name}: ${a.reason}`);
        this.skip();
      }
    });

    it('describes itself consistently (name, video, 90 kHz, size limits)', () => {
      assert.equal(codec.name, name);
      assert.equal(codec.payloadType, 'video');
      assert.equal(codec.clockRate, 90000);
      assert.equal(typeof codec.interFrame, 'boolean');
      assert.ok(codec.maxWidth >= 640 && codec.maxHeight >= 480);
    });

    it(`round trip at 1 Mbit/s: every frame decodes to the stream size, mean luma PSNR ≥ ${setup.minPsnrDb} dB, first frame a keyframe`, async () => {
      const enc = await codec.createEncoder({ width: W, height: H, frameRate: FPS, bitrate: 1_000_000 });
      const dec = await codec.createDecoder({ width: W, height: H });
      let sum = 0;
      const n = 20;
      for (let i = 0; i < n; i++) {
        const src = pattern(i);
        const e = await enc.encode(src);
        if (i === 0) assert.ok(e.keyframe, 'the first frame is a keyframe');
        assert.ok(Buffer.isBuffer(e.data) && e.data.length > 0);
        const d = await dec.decode(e.data);
        assert.deepEqual([d.width, d.height, d.data.length], [W, H, i420Size(W, H)]);
        sum += lumaPsnr(src.data, d.data, W * H);
      }
      await enc.dispose();
      await dec.dispose();
      assert.ok(sum / n >= setup.minPsnrDb, `mean PSNR ${(sum / n).toFixed(1)} dB < ${setup.minPsnrDb}`);
    });

    it(`gives a keyframe within ${setup.keyframeWithinFrames} frames of a request, and the decoder can start from it`, async () => {
      const enc = await codec.createEncoder({ width: W, height: H, frameRate: FPS, bitrate: 600_000 });
      await feed(enc, 0, 10);
      enc.requestKeyframe();
      const t0 = performance.now();
      const after = await feed(enc, 10, setup.keyframeWithinFrames, true);
      const k = after.findIndex((e) => e.keyframe);
      assert.ok(k >= 0, `no keyframe within ${setup.keyframeWithinFrames} frames of the request`);
      console.log(`      ${name}: keyframe ${k + 1} frame(s), ${(performance.now() - t0).toFixed(0)} ms after the request`);
      const dec = await codec.createDecoder({ width: W, height: H });
      for (const e of after.slice(k)) assert.equal((await dec.decode(e.data)).data.length, i420Size(W, H));
      await enc.dispose();
      await dec.dispose();
    });

    it(`respects bitrate changes within ×${setup.bitrateTolerance} (frames at 15 fps)`, async () => {
      const enc = await codec.createEncoder({ width: W, height: H, frameRate: FPS, bitrate: 1_200_000 });
      const rate = (fs: EncodedVideoFrame[]) => (fs.reduce((s, e) => s + e.data.length, 0) * 8 * FPS) / fs.length;
      const high = rate((await feed(enc, 0, 45)).slice(15));
      enc.configure({ bitrate: 300_000 });
      const low = rate((await feed(enc, 45, 60, true)).slice(30));
      await enc.dispose();
      console.log(`      ${name}: 1200 kbit/s → measured ${(high / 1000).toFixed(0)}, 300 kbit/s → measured ${(low / 1000).toFixed(0)}`);
      assert.ok(low <= 300_000 * setup.bitrateTolerance && low >= 300_000 / setup.bitrateTolerance, `at 300 kbit/s measured ${(low / 1000).toFixed(0)} kbit/s`);
      assert.ok(high > 1.5 * low, `the rate fell with the target: ${(high / 1000).toFixed(0)} → ${(low / 1000).toFixed(0)} kbit/s`);
    });

    it('refuses bad frames and settings with E_CODEC_FRAME_SIZE / E_CODEC_SETTINGS', async () => {
      await expectCodecError(codec.createEncoder({ width: 321, height: 240, frameRate: FPS, bitrate: 1e6 }), ['E_CODEC_FRAME_SIZE'], 'odd width');
      await expectCodecError(codec.createEncoder({ width: 320, height: 240, frameRate: 0, bitrate: 1e6 }), ['E_CODEC_SETTINGS'], 'frame rate 0');
      const enc = await codec.createEncoder({ width: W, height: H, frameRate: FPS, bitrate: 600_000 });
      for (const bad of [null, { width: W, height: H, data: Buffer.alloc(10) }, pattern(0, 160, 120), { width: W, height: H, data: 'x' }])
        await expectCodecError(enc.encode(bad as unknown as VideoFrame), ['E_CODEC_FRAME_SIZE'], `encode(${JSON.stringify(bad)?.slice(0, 40)})`);
      assert.ok((await enc.encode(pattern(1))).data.length > 0, 'still encodes after refusing');
      assert.throws(() => enc.configure({ bitrate: -5 }), (e: unknown) => e instanceof CodecError && e.code === 'E_CODEC_SETTINGS');
      await enc.dispose();
    });

    it('refuses bad payloads with E_CODEC_PAYLOAD (or E_CODEC_KEYFRAME_NEEDED), survives garbage and decodes on', async () => {
      const enc = await codec.createEncoder({ width: W, height: H, frameRate: FPS, bitrate: 800_000 });
      const good = await feed(enc, 0, 8);
      await enc.dispose();
      const dec = await codec.createDecoder({ width: W, height: H });
      if (codec.interFrame) await expectCodecError(dec.decode(good[1].data), ['E_CODEC_KEYFRAME_NEEDED'], 'delta frame first');
      for (const e of good.slice(0, 4)) await dec.decode(e.data);
      for (const bad of [Buffer.alloc(0), null, 'text', Buffer.alloc(i420Size(W, H) * 4, 0xab)])
        await expectCodecError(dec.decode(bad as unknown as Buffer), ['E_CODEC_PAYLOAD'], `decode(${bad === null ? 'null' : typeof bad})`);
      const r = rng(7);
      let refused = 0;
      for (let k = 0; k < 40; k++) {
        try {
          await dec.decode(r.bytes(r.int(1, 3000)));
        } catch (err) {
          assert.ok(err instanceof CodecError && ['E_CODEC_PAYLOAD', 'E_CODEC_KEYFRAME_NEEDED'].includes(err.code), `junk: ${(err as Error).message}`);
          refused++;
        }
      }
      assert.ok(refused > 30, `random payloads are refused (${refused}/40)`);
      // A keyframe starts decoding afresh whatever came before.
      assert.equal((await dec.decode(good[0].data)).data.length, i420Size(W, H));
      await dec.dispose();
    });

    it('dispose releases the engine, is idempotent, and later calls fail with E_CODEC_DISPOSED', async () => {
      const before = await setup.resources();
      const enc = await codec.createEncoder({ width: W, height: H, frameRate: FPS, bitrate: 600_000 });
      const dec = await codec.createDecoder({ width: W, height: H });
      const e = await enc.encode(pattern(0));
      await dec.decode(e.data);
      const during = await setup.resources();
      await Promise.all([enc.dispose(), enc.dispose(), dec.dispose()]);
      await dec.dispose();
      await new Promise((r) => setTimeout(r, 200));
      const after = await setup.resources();
      assert.ok(during > before, `the engine shows while in use (${before} → ${during})`);
      assert.ok(after <= before, `released after dispose (${before} before, ${after} after)`);
      await expectCodecError(enc.encode(pattern(1)), ['E_CODEC_DISPOSED'], 'encode after dispose');
      await expectCodecError(dec.decode(e.data), ['E_CODEC_DISPOSED'], 'decode after dispose');
      assert.throws(() => enc.requestKeyframe(), (x: unknown) => x instanceof CodecError && x.code === 'E_CODEC_DISPOSED');
    });
  });
}
