import { strict as assert } from 'assert';
import { CodecError, type Codec, type CodecDecoder } from '@pinhole/core';
import { bestLag, correlation, rms, snrDb, speechLike } from '../../helpers/audio';
import { rng } from '../../helpers/rng';

/** What a codec plugin provides to the suite. */
export interface CodecSetup {
  /** The codec exactly as consumers find it: bound by the plugin's container module, picked by name. */
  codec(): Promise<Codec>;
  /**
   * Round-trip floors on the suite's 2 s speech-like signal (pauses included), after aligning
   * for the codec's delay: SNR in dB and normalised correlation. State them where they are set.
   */
  minSnrDb: number;
  minCorrelation: number;
}

/** Datagram budget for a codec payload: 1183 − voice frame header (about 20 bytes). */
const MAX_PAYLOAD = 1150;

function frames(codec: Codec, signal: Int16Array): Int16Array[] {
  const n = codec.frameSamples * codec.channels;
  const out: Int16Array[] = [];
  for (let at = 0; at + n <= signal.length; at += n) out.push(signal.slice(at, at + n));
  return out;
}

/** A codec may throw or reject (isolated in a worker it rejects): both count. */
async function expectCodecError(fn: () => unknown, code: string, what: string): Promise<void> {
  await assert.rejects(async () => fn(), (err: unknown) => {
    assert.ok(err instanceof CodecError, `${what}: expected a CodecError, got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    assert.equal(err.code, code, `${what}: code`);
    assert.ok(err.message.length > 10, `${what}: the message says what is wrong`);
    return true;
  });
}

/**
 * Every voice codec plugin runs this from its own test (js-libp2p style): frame sizes, a
 * round-trip quality floor, packet-loss concealment, refusal of bad input with CodecError
 * codes and no crash, independent per-call instances, dispose. Results are awaited: the same
 * suite passes for a codec in the peer process and for one isolated in a worker (its plugin
 * configured `"isolation": "worker"`), whose every answer is a promise.
 */
export default function codecCompliance(name: string, setup: CodecSetup): void {
  describe(`codec compliance: ${name}`, () => {
    let codec: Codec;
    let signal: Int16Array;
    before(async () => {
      codec = await setup.codec();
      signal = speechLike(codec.clockRate, 2, 7);
    });

    it('describes itself consistently (name, voice, rate, frame size, E-model figures)', () => {
      assert.equal(codec.name, name);
      assert.equal(codec.payloadType, 'voice');
      assert.ok([8000, 12000, 16000, 24000, 32000, 48000].includes(codec.clockRate), `clockRate ${codec.clockRate}`);
      assert.equal(codec.frameSamples, (codec.clockRate * codec.frameMs) / 1000);
      assert.ok(codec.channels >= 1);
      assert.ok(codec.lookaheadMs >= 0 && codec.lookaheadMs < codec.frameMs);
      assert.ok(codec.impairment.ie >= 0 && codec.impairment.bpl > 0 && codec.impairment.source.length > 0);
    });

    it('encodes each frame to a payload that fits one datagram and decodes it to exactly one frame', async () => {
      const enc = codec.createEncoder();
      const dec = codec.createDecoder();
      for (const f of frames(codec, signal)) {
        const payload = await enc.encode(f);
        assert.ok(Buffer.isBuffer(payload) && payload.length > 0 && payload.length <= MAX_PAYLOAD, `payload of ${payload.length} bytes`);
        const pcm = await dec.decode(payload);
        assert.ok(pcm instanceof Int16Array);
        assert.equal(pcm.length, codec.frameSamples * codec.channels);
      }
      enc.dispose();
      dec.dispose();
    });

    it(`round trip of a speech-like signal meets the floor (SNR ≥ ${setup.minSnrDb} dB, correlation ≥ ${setup.minCorrelation})`, async () => {
      const enc = codec.createEncoder();
      const dec = codec.createDecoder();
      const out = new Int16Array(signal.length);
      let at = 0;
      for (const f of frames(codec, signal)) {
        out.set(await dec.decode(await enc.encode(f)), at);
        at += f.length;
      }
      const delay = Math.round((codec.lookaheadMs * codec.clockRate) / 1000);
      const from = codec.clockRate / 10;
      const to = at - 2 * codec.frameSamples;
      const { lag, corr } = bestLag(signal, out, codec.clockRate / 500, from, to, delay); // declared delay ± 2 ms
      const snr = snrDb(signal, out, lag, from, to);
      assert.ok(Math.abs(lag - delay) <= codec.clockRate / 1000, `delay ${lag} samples, declared look-ahead ${delay}`);
      assert.ok(corr >= setup.minCorrelation, `correlation ${corr.toFixed(4)} < ${setup.minCorrelation}`);
      assert.ok(snr >= setup.minSnrDb, `SNR ${snr.toFixed(1)} dB < ${setup.minSnrDb} dB`);
      enc.dispose();
      dec.dispose();
    });

    it('conceals a lost frame from what came before, fading out over a long loss, then decodes on', async () => {
      // A sustained vowel: 0.5 s of a steady 150 Hz voiced sound.
      const n = Math.round(codec.clockRate / 2);
      const vowel = new Int16Array(n);
      for (let i = 0; i < n; i++) {
        const p = (2 * Math.PI * 150 * i) / codec.clockRate;
        vowel[i] = Math.round(6000 * (Math.sin(p) + 0.5 * Math.sin(2 * p) + 0.25 * Math.sin(3 * p)));
      }
      const enc = codec.createEncoder();
      const dec = codec.createDecoder();
      const fs = frames(codec, vowel);
      let last: Int16Array = new Int16Array(0);
      for (const f of fs.slice(0, -1)) last = await dec.decode(await enc.encode(f));
      const concealed: Int16Array[] = [];
      for (let k = 0; k < Math.ceil(200 / codec.frameMs); k++) concealed.push(await dec.conceal());
      for (const c of concealed) assert.equal(c.length, codec.frameSamples * codec.channels);
      const first = rms(concealed[0]);
      assert.ok(first > 0.3 * rms(last), `first concealed frame keeps the sound going (rms ${first.toFixed(0)} vs ${rms(last).toFixed(0)})`);
      // Periodic like the vowel, not noise: it matches itself one pitch period (1/150 s) later.
      const period = Math.round(codec.clockRate / 150);
      assert.ok(correlation(concealed[0], concealed[0], period, 0, concealed[0].length - period) > 0.8, 'concealment continues the pitch');
      assert.ok(rms(concealed[concealed.length - 1]) < 0.25 * first, 'a long loss fades out');
      const after = await dec.decode(await enc.encode(fs[fs.length - 1]));
      assert.equal(after.length, codec.frameSamples * codec.channels);
      enc.dispose();
      dec.dispose();
    });

    it('conceals with silence before anything was decoded', async () => {
      const dec = codec.createDecoder();
      const c = await dec.conceal();
      assert.equal(c.length, codec.frameSamples * codec.channels);
      assert.ok(c.every((v) => v === 0));
      dec.dispose();
    });

    it('refuses PCM that is not one frame with E_CODEC_FRAME_SIZE', async () => {
      const enc = codec.createEncoder();
      const n = codec.frameSamples * codec.channels;
      for (const bad of [new Int16Array(0), new Int16Array(n - 1), new Int16Array(n + 1), new Float32Array(n), Buffer.alloc(n * 2), null, undefined])
        await expectCodecError(() => enc.encode(bad as unknown as Int16Array), 'E_CODEC_FRAME_SIZE', `encode(${bad === null ? 'null' : (bad as object)?.constructor?.name ?? typeof bad} ${(bad as ArrayLike<number>)?.length ?? ''})`);
      assert.ok((await enc.encode(new Int16Array(n))).length > 0, 'still encodes after refusing');
      enc.dispose();
    });

    it('refuses payloads that are not one frame with E_CODEC_PAYLOAD, survives garbage and decodes on', async () => {
      const enc = codec.createEncoder();
      const dec = codec.createDecoder();
      const good = await Promise.all(frames(codec, signal).slice(0, 20).map((f) => enc.encode(f)));
      for (const p of good.slice(0, 10)) await dec.decode(p);
      for (const bad of [Buffer.alloc(0), Buffer.alloc(4000, 0xab), null, 'text', new Int16Array(10)])
        await expectCodecError(() => dec.decode(bad as unknown as Buffer), 'E_CODEC_PAYLOAD', `decode(${bad === null ? 'null' : typeof bad})`);
      const r = rng(42);
      let refused = 0;
      for (let k = 0; k < 300; k++) {
        const junk = r.bytes(r.int(1, 400));
        try {
          assert.equal((await dec.decode(junk)).length, codec.frameSamples * codec.channels);
        } catch (err) {
          assert.ok(err instanceof CodecError && err.code === 'E_CODEC_PAYLOAD', `junk ${junk.length} bytes: ${(err as Error).message}`);
          refused++;
        }
      }
      assert.ok(refused > 0, 'some random payloads are refused');
      for (const p of good.slice(10)) assert.equal((await dec.decode(p)).length, codec.frameSamples * codec.channels);
      enc.dispose();
      dec.dispose();
    });

    it('gives each call its own state: interleaved encoders match separate runs byte for byte', async () => {
      const a = frames(codec, signal).slice(0, 30);
      const b = frames(codec, speechLike(codec.clockRate, 1, 99)).slice(0, 30);
      const alone = async (fs: Int16Array[]) => {
        const e = codec.createEncoder();
        const out = await Promise.all(fs.map((f) => e.encode(f)));
        e.dispose();
        return out;
      };
      const refA = await alone(a);
      const refB = await alone(b);
      const ea = codec.createEncoder();
      const eb = codec.createEncoder();
      const da = codec.createDecoder();
      const db = codec.createDecoder();
      const ra: CodecDecoder = codec.createDecoder();
      for (let i = 0; i < a.length; i++) {
        assert.deepEqual(await ea.encode(a[i]), refA[i], `stream A frame ${i}`);
        assert.deepEqual(await eb.encode(b[i]), refB[i], `stream B frame ${i}`);
        const pa = await da.decode(refA[i]);
        await db.decode(refB[i]);
        assert.deepEqual(pa, await ra.decode(refA[i]), `decoder A frame ${i}`);
      }
      for (const x of [ea, eb, da, db, ra]) x.dispose();
    });

    it('refuses work after dispose with E_CODEC_DISPOSED; dispose is idempotent', async () => {
      const enc = codec.createEncoder();
      const dec = codec.createDecoder();
      const payload = await enc.encode(new Int16Array(codec.frameSamples * codec.channels));
      enc.dispose();
      enc.dispose();
      dec.dispose();
      dec.dispose();
      await expectCodecError(() => enc.encode(new Int16Array(codec.frameSamples * codec.channels)), 'E_CODEC_DISPOSED', 'encode after dispose');
      await expectCodecError(() => dec.decode(payload), 'E_CODEC_DISPOSED', 'decode after dispose');
      await expectCodecError(() => dec.conceal(), 'E_CODEC_DISPOSED', 'conceal after dispose');
    });
  });
}
