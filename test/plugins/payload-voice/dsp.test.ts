import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { VoiceError } from '@pinhole/core';
import {
  ComfortNoiseGenerator,
  decodeNoiseLevel,
  decodeVoicePacket,
  eModel,
  encodeNoiseLevel,
  encodeVoicePacket,
  encodeWav,
  levelDbov,
  parseWav,
  ReceiveStats,
  Resampler,
  VoiceActivityDetector,
  WavWriter,
  readWav,
} from '@pinhole/payload-voice';
import { rms, snrDb, speechLike, tone } from '../../helpers/audio';

function resample(x: Int16Array, from: number, to: number, chunk = 777): Int16Array {
  const r = new Resampler(from, to);
  const parts: Int16Array[] = [];
  for (let at = 0; at < x.length; at += chunk) parts.push(r.process(x.subarray(at, at + chunk)));
  parts.push(r.flush());
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const expectVoiceError = (fn: () => unknown, code: string) =>
  assert.throws(fn, (e: unknown) => e instanceof VoiceError && e.code === code && e.message.length > 10);

describe('payload-voice: resampler', () => {
  it('8 → 48 kHz: a 1 kHz tone matches the ideal 48 kHz tone (SNR > 70 dB), length exact, no delay', () => {
    const up = resample(tone(8000, 1000, 1), 8000, 48000);
    assert.equal(up.length, 48000);
    const ideal = tone(48000, 1000, 1);
    const snr = snrDb(ideal, up, 0, 2400, 45600);
    assert.ok(snr > 70, `SNR ${snr.toFixed(1)} dB`);
  });

  // The filters' transition band (3.4–4.2 kHz at 8 kHz) trims the signal's faint noise up there.
  it('8 → 48 → 8 kHz round trip of speech-like signal keeps SNR > 50 dB', () => {
    const x = speechLike(8000, 1, 4);
    const back = resample(resample(x, 8000, 48000, 160), 48000, 8000, 960);
    assert.equal(back.length, x.length);
    const snr = snrDb(x, back, 0, 400, x.length - 400);
    assert.ok(snr > 50, `SNR ${snr.toFixed(1)} dB`);
  });

  it('48 → 8 kHz suppresses a 5 kHz tone (above the new Nyquist) by more than 60 dB', () => {
    const down = resample(tone(48000, 5000, 1), 48000, 8000);
    const atten = 20 * Math.log10(rms(down, 400, 7600) / rms(tone(8000, 1000, 1)));
    assert.ok(atten < -60, `alias at ${atten.toFixed(1)} dB`);
  });

  it('handles 44.1 ↔ 16 kHz and refuses rates it cannot do with a clear error', () => {
    assert.equal(resample(tone(44100, 440, 0.5), 44100, 16000).length, 8000);
    expectVoiceError(() => new Resampler(8000, 48001), 'E_WAV_FORMAT');
    expectVoiceError(() => new Resampler(0, 8000), 'E_VOICE_OPTIONS');
  });
});

describe('payload-voice: WAV', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-wav-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes as it goes, fixes the header on close (cut or padded), and reads back what it wrote', () => {
    for (const rate of [8000, 16000, 48000]) {
      const x = speechLike(rate, 0.3, rate);
      const file = path.join(dir, `${rate}.wav`);
      const w = WavWriter.open(file, rate);
      w.write(x.subarray(0, 1000));
      w.write(x.subarray(1000));
      w.close(x.length - 10);
      const back = readWav(file);
      assert.equal(back.sampleRate, rate);
      assert.deepEqual(back.samples, x.subarray(0, x.length - 10));
    }
    const padded = path.join(dir, 'pad.wav');
    const w = WavWriter.open(padded, 8000);
    w.write(new Int16Array([1, 2, 3]));
    w.close(6);
    assert.deepEqual(Array.from(readWav(padded).samples), [1, 2, 3, 0, 0, 0]);
  });

  it('skips unknown chunks, takes a streaming size, and refuses what it cannot read', () => {
    const base = encodeWav({ sampleRate: 16000, samples: new Int16Array([5, -5, 7]) });
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0')]);
    const withList = Buffer.concat([base.subarray(0, 36), list, base.subarray(36)]);
    assert.deepEqual(Array.from(parseWav(withList).samples), [5, -5, 7]);
    const streaming = Buffer.from(base);
    streaming.writeUInt32LE(0xffffffff, 40);
    assert.deepEqual(Array.from(parseWav(streaming).samples), [5, -5, 7]);
    const stereo = Buffer.from(base);
    stereo.writeUInt16LE(2, 22);
    expectVoiceError(() => parseWav(stereo), 'E_WAV_FORMAT');
    const eight = Buffer.from(base);
    eight.writeUInt16LE(8, 34);
    expectVoiceError(() => parseWav(eight), 'E_WAV_FORMAT');
    expectVoiceError(() => parseWav(Buffer.from('not a wav file at all')), 'E_WAV_FORMAT');
    expectVoiceError(() => readWav(path.join(dir, 'missing.wav')), 'E_WAV_IO');
  });
});

describe('payload-voice: VAD, comfort noise, E-model, receive statistics, packets', () => {
  it('VAD keeps every loud frame as speech, holds 200 ms of hang-over, then calls the pause silence', () => {
    const x = speechLike(8000, 4, 11);
    const vad = new VoiceActivityDetector({ frameMs: 20 });
    let sinceLoud = Infinity;
    let speech = 0;
    let frames = 0;
    let noise = 0;
    for (let at = 0; at + 160 <= x.length; at += 160, frames++) {
      const f = x.subarray(at, at + 160);
      const d = vad.process(f);
      const level = levelDbov(f);
      // Pauses sit near −65 dBov; anything above −60 is (part of) a syllable.
      sinceLoud = level > -60 ? 0 : sinceLoud + 1;
      if (level > -45) assert.ok(d.speech, `loud frame ${frames} (${level.toFixed(1)} dBov) kept as speech`);
      if (sinceLoud > 10 && sinceLoud !== Infinity) assert.ok(!d.speech, `frame ${frames}, ${sinceLoud * 20} ms into a pause, is silence`);
      if (d.speech) speech++;
      noise = d.noiseDb;
    }
    assert.ok(speech / frames < 0.85, `speech share ${((100 * speech) / frames).toFixed(0)} %: the pauses are suppressed`);
    assert.ok(noise > -72 && noise < -58, `noise estimate ${noise.toFixed(1)} dBov (the pauses are ≈ −65)`);
    const silent = new VoiceActivityDetector({ frameMs: 20 });
    assert.equal(silent.process(new Int16Array(160)).speech, false, 'digital silence is silence');
  });

  it('comfort noise: RFC 3389 level byte round trip; the generator plays at that level', () => {
    assert.equal(decodeNoiseLevel(encodeNoiseLevel(-47.4)), -47);
    assert.equal(decodeNoiseLevel(encodeNoiseLevel(-200)), -127);
    expectVoiceError(() => decodeNoiseLevel(new Uint8Array(0)), 'E_VOICE_PACKET');
    const g = new ComfortNoiseGenerator(160, 7);
    g.setLevel(-40);
    g.next(); // ramp up
    const level = levelDbov(g.next());
    assert.ok(Math.abs(level - -40) < 1.5, `generated ${level.toFixed(1)} dBov`);
  });

  it('E-model: G.711 clean R 93.2 (MOS 4.41); loss, bursts and delay lower it as G.107 says', () => {
    const clean = eModel({ delayMs: 0, lossPercent: 0, burstRatio: 1, ie: 0, bpl: 25.1 });
    assert.ok(Math.abs(clean.r - 93.2) < 1e-9 && Math.abs(clean.mos - 4.41) < 0.005);
    const onePct = eModel({ delayMs: 0, lossPercent: 1, burstRatio: 1, ie: 0, bpl: 25.1 });
    assert.ok(Math.abs(onePct.r - (93.2 - 95 / 26.1)) < 1e-9, `R ${onePct.r}`);
    const bursty = eModel({ delayMs: 0, lossPercent: 1, burstRatio: 2, ie: 0, bpl: 25.1 });
    assert.ok(bursty.r < onePct.r);
    const far = eModel({ delayMs: 300, lossPercent: 0, burstRatio: 1, ie: 0, bpl: 25.1 });
    assert.ok(Math.abs(far.r - (93.2 - 0.024 * 300 - 0.11 * (300 - 177.3))) < 1e-9);
  });

  it('receive statistics: sequence wrap, loss, duplicates, late, RFC 3550 jitter and burst ratio', () => {
    const rx = new ReceiveStats(8000, 65530);
    // 20 packets from seq 65530 (wrapping), #5 lost, #9 duplicated, 2 ms of alternating jitter.
    for (let i = 0; i < 20; i++) {
      if (i === 5) continue;
      const seq = (65530 + i) & 0xffff;
      rx.arrive(seq, i * 160, i * 20 + (i % 2) * 2);
      if (i === 9) assert.equal(rx.arrive(seq, i * 160, i * 20 + 5), undefined);
    }
    rx.markLate(65530 + 12);
    assert.deepEqual([rx.expected, rx.received, rx.lost, rx.duplicates, rx.late], [20, 19, 1, 1, 1]);
    assert.equal(rx.highest, 65530 + 19);
    // |D| = 2 ms every packet: J converges toward 2 ms from 0 (J += (|D| − J)/16).
    assert.ok(rx.jitterMs > 1 && rx.jitterMs < 2, `jitter ${rx.jitterMs}`);
    assert.equal(rx.effectiveLossPercent, 10);
    rx.finalSequence((65530 + 22) & 0xffff);
    assert.equal(rx.lost, 4, 'trailing losses count once the sender says where it stopped');

    const random = new ReceiveStats(8000, 0);
    const bursty = new ReceiveStats(8000, 0);
    for (let i = 0; i < 1000; i++) {
      if (i % 20 !== 0) random.arrive(i, i * 160, i * 20);
      if (i % 100 >= 5) bursty.arrive(i, i * 160, i * 20);
    }
    assert.ok(bursty.burstRatio() > 3 * random.burstRatio(), `burst ratios ${bursty.burstRatio()} vs ${random.burstRatio()}`);
  });

  it('voice packets round-trip through schemas/voice.proto; garbage and oversize are E_VOICE_PACKET', () => {
    const frame = { sequence: 65535, timestamp: 4294967295, ssrc: 123456789, marker: true, payloadType: 0, payload: Buffer.alloc(160, 0x55) };
    const back = decodeVoicePacket(encodeVoicePacket({ frame }));
    assert.ok('frame' in back);
    assert.deepEqual({ ...back.frame, payload: Buffer.from(back.frame.payload) }, frame);
    expectVoiceError(() => decodeVoicePacket(Buffer.from([0xff, 0xff, 0xff, 0xff])), 'E_VOICE_PACKET');
    expectVoiceError(() => decodeVoicePacket(Buffer.alloc(0)), 'E_VOICE_PACKET');
    expectVoiceError(() => decodeVoicePacket(Buffer.alloc(2000)), 'E_VOICE_PACKET');
    expectVoiceError(() => encodeVoicePacket({ frame: { ...frame, payload: Buffer.alloc(1200) } }), 'E_VOICE_PACKET');
  });
});

describe('payload-voice: VAD start-up', () => {
  it('a talker who is loud from the first frame is speech, not the noise floor', () => {
    const vad = new VoiceActivityDetector({ frameMs: 20 });
    const frame = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    const decisions = Array.from({ length: 50 }, () => vad.process(frame).speech);
    assert.ok(decisions.every(Boolean), `speech frames: ${decisions.filter(Boolean).length}/50`);
  });
});
