import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Codec, VoiceError, type Codec as CodecT, type VoiceCall, type VoiceStats } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { decodeVoicePacket, delayImpairment, readWav } from '@pinhole/payload-voice';
import { bestLag, speechLike } from '../../helpers/audio';
import { mediaHost } from '../../helpers/media';
import { callPair, impaired, type CallPair } from '../../helpers/voice';

const SPEED = 4;

/** Runs both sides to the end and returns their stats (what `pinhole call` and `peer` do at hang-up). */
async function talk(a: VoiceCall, b: VoiceCall): Promise<[VoiceStats, VoiceStats]> {
  await Promise.all([a.finished, b.finished]);
  return [await a.stop(), await b.stop()];
}

async function codecNamed(host: Host, name: string): Promise<CodecT> {
  const codec = (await host.services.loadAll<CodecT>(Codec, `onCodec:${name}`)).find((c) => c.name === name);
  assert.ok(codec, `a Codec named ${name}`);
  return codec;
}

/** What a perfect channel gives: the input through the codec, frame by frame (last frame zero-padded). */
async function throughCodec(codec: CodecT, x: Int16Array): Promise<Int16Array> {
  const enc = codec.createEncoder();
  const dec = codec.createDecoder();
  const n = codec.frameSamples;
  const out = new Int16Array(Math.ceil(x.length / n) * n);
  for (let at = 0; at < x.length; at += n) {
    const f = new Int16Array(n);
    f.set(x.subarray(at, at + n));
    out.set(await dec.decode(await enc.encode(f)), at);
  }
  return out.subarray(0, x.length);
}

describe('payload-voice: calls on loopback sessions', function () {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-voice-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string) => path.join(dir, name);

  describe('on a clean path', () => {
    let host: Host;
    let pair: CallPair;
    // A generous playout floor, so a loaded test machine's event-loop stalls cannot make a frame late.
    before(async () => (host = await mediaHost({ plugins: { 'payload-voice': { options: { minDelayMs: 150 } } } })));
    after(async () => host.dispose());
    beforeEach(async () => (pair = await callPair(host)));
    afterEach(async () => pair.close());

    it('PCMU both ways at once with 0 % loss: each recording is bit-exact with encode→decode of the input', async () => {
      const aIn = speechLike(8000, 2, 1);
      const bIn = speechLike(8000, 1.5, 2);
      const [a, b] = await Promise.all([
        pair.voice.start(pair.caller, { input: { sampleRate: 8000, samples: aIn }, record: file('a.wav'), codec: 'pcmu', vad: false, speed: SPEED }),
        pair.voice.start(pair.callee, { input: { sampleRate: 8000, samples: bIn }, record: file('b.wav'), vad: false, speed: SPEED }),
      ]);
      assert.equal(a.codec, 'pcmu');
      assert.equal(b.codec, 'pcmu');
      const [sa, sb] = await talk(a, b);
      const pcmu = await codecNamed(host, 'pcmu');
      const atB = readWav(file('b.wav'));
      const atA = readWav(file('a.wav'));
      assert.equal(atB.sampleRate, 8000);
      assert.equal(atB.samples.length, aIn.length, 'callee recorded exactly the caller input length');
      assert.equal(atA.samples.length, bIn.length, 'caller recorded exactly the callee input length');
      assert.deepEqual(atB.samples, await throughCodec(pcmu, aIn), 'caller → callee bit-exact');
      assert.deepEqual(atA.samples, await throughCodec(pcmu, bIn), 'callee → caller bit-exact');
      for (const s of [sa, sb]) {
        assert.deepEqual([s.packetsLost, s.packetsLate, s.framesConcealed], [0, 0, 0], JSON.stringify(s));
        // No loss: R is 93.2 less the delay impairment alone (this host buffers ≥ 150 ms on purpose).
        assert.equal(s.lossPercent, 0);
        assert.ok(Math.abs(s.r - (93.2 - delayImpairment(s.mouthToEarMs))) < 0.2, `clean call rated R ${s.r} at ${s.mouthToEarMs} ms mouth to ear`);
        // The jitter buffer grows with the scheduling jitter of a busy machine, and the delay
        // lowers the rating: MOS is judged when the buffer stayed near its floor.
        if (s.mouthToEarMs < 250) assert.ok(s.mos > 3.5, `clean call rated MOS ${s.mos}`);
        else console.log(`      MOS not judged: ${s.mouthToEarMs} ms mouth to ear (the machine's scheduling jitter; load average ${os.loadavg()[0].toFixed(1)})`);
      }
      assert.equal(sb.packetsReceived, Math.ceil(aIn.length / 160));
      assert.equal(sa.packetsSent, sb.packetsReceived);
    });

    it('sends comfort-noise updates through silence often enough to keep the firewall window open', async () => {
      // 3 s: half a second of speech, then 2.5 s of faint room noise.
      const x = speechLike(8000, 3, 5);
      for (let i = 4000; i < x.length; i++) x[i] = (i * 7919) % 41 - 20;
      const arrivals: number[] = [];
      const callee = impaired(pair.callee, { speed: SPEED, onDeliver: (p, at) => 'frame' in decodeVoicePacket(p) && arrivals.push(at) });
      const [a, b] = await Promise.all([
        pair.voice.start(pair.caller, { input: { sampleRate: 8000, samples: x }, codec: 'pcma', speed: SPEED }),
        pair.voice.start(callee, { record: file('cn.wav'), speed: SPEED }),
      ]);
      const [sa] = await talk(a, b);
      const gaps = arrivals.slice(1).map((t, i) => (t - arrivals[i]) * SPEED);
      assert.ok(sa.comfortNoiseSent >= 5, `comfort-noise updates: ${sa.comfortNoiseSent}`);
      assert.ok(sa.packetsSent < 0.5 * 150, `silence suppressed: ${sa.packetsSent} packets for 150 frames`);
      // Every 400 ms of media time, far below the 15 s session keep-alive and any UDP timeout.
      assert.ok(Math.max(...gaps) < 600, `longest gap between voice datagrams ${Math.max(...gaps).toFixed(0)} ms`);
      assert.equal(readWav(file('cn.wav')).samples.length, x.length, 'the recording still has the full length');
    });

    it('paces in real time at speed 1: 20 ms per frame, drift-corrected', async () => {
      const x = speechLike(8000, 0.6, 6, { pauses: false });
      const arrivals: number[] = [];
      const callee = impaired(pair.callee, { onDeliver: (p, at) => 'frame' in decodeVoicePacket(p) && arrivals.push(at) });
      const [a, b] = await Promise.all([pair.voice.start(pair.caller, { input: { sampleRate: 8000, samples: x }, codec: 'pcmu', vad: false }), pair.voice.start(callee, {})]);
      await talk(a, b);
      assert.equal(arrivals.length, 30);
      const span = arrivals[29] - arrivals[0];
      assert.ok(Math.abs(span - 580) < 50, `30 frames over ${span.toFixed(0)} ms (580 expected)`);
      const quick = arrivals.slice(1).filter((t, i) => t - arrivals[i] < 5).length;
      assert.ok(quick < 6, `${quick} frames came < 5 ms after the previous one: not paced`);
    });

    it('the microphone and speaker taps see every frame: each click spoken is played, in order, at least a frame time later', async () => {
      // Quiet noise with a click every 200 ms; the taps timestamp the clicks at both ends (bench/voice.js measures mouth-to-ear this way).
      const x = new Int16Array(8000);
      for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 41) - 20;
      for (let t = 800; t < x.length - 800; t += 1600) x[t] = 20000;
      const spoken: number[] = [];
      const heard: number[] = [];
      const at = (into: number[], pcm: Int16Array, frameAgo: number) => {
        const i = pcm.findIndex((v) => v > 10000);
        if (i >= 0) into.push(performance.now() - frameAgo + i / 8);
      };
      let captured = 0;
      let played = 0;
      const [a, b] = await Promise.all([
        pair.voice.start(pair.caller, { input: { sampleRate: 8000, samples: x }, codec: 'pcmu', vad: false, onCapture: (pcm) => (captured++, at(spoken, pcm, 20)) }),
        pair.voice.start(pair.callee, { onPlayout: (pcm) => (played++, at(heard, pcm, 0)) }),
      ]);
      await talk(a, b);
      assert.equal(captured, 50, 'one capture per 20 ms frame of the 1 s input');
      assert.ok(played >= 50, `every frame played (${played})`);
      assert.equal(heard.length, spoken.length, `${spoken.length} clicks spoken, ${heard.length} heard`);
      assert.equal(spoken.length, 4, 'clicks at 0.1, 0.3, 0.5 and 0.7 s');
      heard.forEach((t, k) => assert.ok(t - spoken[k] >= 19, `click ${k}: heard ${(t - spoken[k]).toFixed(1)} ms after it was spoken`));
    });

    it('lets the caller choose from what both offer, and fails clearly when nothing is common or nobody answers', async () => {
      const [a, b] = await Promise.all([
        pair.voice.start(pair.caller, { codec: 'pcma', speed: SPEED }),
        pair.voice.start(pair.callee, { codecs: ['pcmu', 'opus', 'pcma'], speed: SPEED }),
      ]);
      assert.deepEqual([a.codec, b.codec], ['pcma', 'pcma'], 'the caller asked for pcma; the callee offers it');
      await talk(a, b);

      const p2 = await callPair(host);
      const [c, d] = await Promise.allSettled([
        p2.voice.start(p2.caller, { codecs: ['opus'], negotiateTimeoutMs: 2000, speed: SPEED }),
        p2.voice.start(p2.callee, { codecs: ['pcmu'], negotiateTimeoutMs: 500, speed: SPEED }),
      ]);
      assert.equal(c.status, 'rejected');
      assert.ok((c as PromiseRejectedResult).reason instanceof VoiceError && (c as PromiseRejectedResult).reason.code === 'E_VOICE_NO_COMMON_CODEC', String((c as PromiseRejectedResult).reason));
      assert.equal(d.status, 'rejected', 'the callee gives up too');
      await p2.close();

      const p3 = await callPair(host);
      await assert.rejects(p3.voice.start(p3.callee, { negotiateTimeoutMs: 300 }), (e: unknown) => e instanceof VoiceError && e.code === 'E_VOICE_NEGOTIATION_TIMEOUT');
      await assert.rejects(p3.voice.start(p3.caller, { codec: 'gsm' }), (e: unknown) => (e as VoiceError).code === 'E_CODEC_UNKNOWN');
      await p3.close();
    });
  });

  describe('through loss and jitter (injected on arrival, both directions)', () => {
    let host: Host;
    let pair: CallPair;
    before(async () => {
      host = await mediaHost();
      // The first call in a process pays JIT and WebAssembly tier-up: tens of ms of stalls that
      // at 4× speed read as 100+ ms delay peaks. One short untimed call first keeps them out.
      const warm = await callPair(host);
      const x = { sampleRate: 16000, samples: speechLike(16000, 0.5, 9) };
      const y = { sampleRate: 8000, samples: speechLike(8000, 0.5, 9) };
      const calls = await Promise.all([
        warm.voice.start(warm.caller, { input: y, record: file('warm-a.wav'), recordRate: 16000, codec: 'opus', speed: SPEED }),
        warm.voice.start(warm.callee, { input: x, record: file('warm-b.wav'), recordRate: 8000, speed: SPEED }),
      ]);
      await talk(calls[0], calls[1]);
      await warm.close();
    });
    after(async () => host.dispose());
    beforeEach(async () => (pair = await callPair(host)));
    afterEach(async () => pair.close());

    it('a listener that records nothing still decodes and conceals (what its speaker would play); garbage is dropped', async () => {
      const x = { sampleRate: 8000, samples: speechLike(8000, 1, 31, { pauses: false }) };
      const [a, b] = await Promise.all([
        pair.voice.start(pair.caller, { input: x, codec: 'pcmu', vad: false, speed: SPEED }),
        pair.voice.start(impaired(pair.callee, { loss: 0.1, speed: SPEED, seed: 4 }), { speed: SPEED }),
      ]);
      // Garbage on the same stream is counted and dropped, never a crash.
      const raw = await pair.caller.session.openStream('voice');
      for (let i = 0; i < 5; i++) raw.send(Buffer.from(i % 2 ? 'not protobuf' : '\x0a\xff\xff\xff\xff\x0f', 'latin1')); // 10 % loss: one gets through
      const [, sb] = await talk(a, b);
      assert.ok(sb.packetsMalformed >= 1, `malformed counted: ${sb.packetsMalformed}`);
      assert.ok(sb.packetsLost > 0, 'packets were dropped');
      // Every missing speech frame is concealed, except one lost before anything was decoded (silence).
      const missing = sb.packetsLost + sb.packetsLate;
      assert.ok(sb.framesConcealed > 0 && sb.framesConcealed >= missing - 1 && sb.framesConcealed <= missing, JSON.stringify(sb));
      assert.equal(sb.recordedSamples, 0);
    });

    // Measured correlations: PCMU 0.97–0.996 at 5 % loss, Opus 0.84–0.89 at 3 % (its clean round trip is 0.91).
    for (const [codec, loss, floor] of [
      ['pcmu', 0.05, 0.9],
      ['opus', 0.03, 0.75],
    ] as const) {
      it(`${codec}, ${loss * 100} % loss and 0–40 ms jitter: full length, time-aligned, correlation ≥ ${floor}, quality reported`, async () => {
        const aIn = speechLike(8000, 2.5, 21);
        const bIn = speechLike(16000, 2, 22);
        const net = (seed: number) => ({ loss, jitterMs: 40, speed: SPEED, seed });
        const [a, b] = await Promise.all([
          pair.voice.start(impaired(pair.caller, net(1)), { input: { sampleRate: 8000, samples: aIn }, record: file(`${codec}-a.wav`), recordRate: 16000, codec, speed: SPEED }),
          pair.voice.start(impaired(pair.callee, net(2)), { input: { sampleRate: 16000, samples: bIn }, record: file(`${codec}-b.wav`), recordRate: 8000, speed: SPEED }),
        ]);
        const [sa, sb] = await talk(a, b);
        for (const [input, rec, stats, who] of [
          [aIn, readWav(file(`${codec}-b.wav`)), sb, 'callee hears caller'],
          [bIn, readWav(file(`${codec}-a.wav`)), sa, 'caller hears callee'],
        ] as const) {
          const rate = input === aIn ? 8000 : 16000;
          assert.equal(rec.sampleRate, rate);
          assert.ok(Math.abs(rec.samples.length - input.length) <= rate / 50, `${who}: ${rec.samples.length} samples for ${input.length}`);
          const { lag, corr } = bestLag(input, rec.samples, rate / 100, rate / 10, input.length - rate / 10);
          assert.ok(Math.abs(lag) <= 2, `${who}: recording offset by ${lag} samples`);
          assert.ok(corr >= floor, `${who}: correlation ${corr.toFixed(3)} < ${floor}`);
          assert.ok(stats.packetsLost > 0 && stats.framesConcealed > 0, `${who}: loss seen and concealed ${JSON.stringify(stats)}`);
          assert.ok(stats.jitterMs > 2 && stats.bufferDelayMs >= 20, `${who}: jitter ${stats.jitterMs} ms, buffer ${stats.bufferDelayMs} ms`);
          assert.ok(stats.lossPercent > 0 && stats.lossPercent < 4 * loss * 100, `${who}: loss ${stats.lossPercent} %`);
          assert.ok(stats.mos > 1 && stats.mos < 4.4 && stats.r < 93.2, `${who}: R ${stats.r}, MOS ${stats.mos}`);
          assert.ok(stats.rttMs !== undefined && stats.remotePacketsReceived !== undefined, `${who}: receiver reports came back`);
        }
      });
    }
  });
});
