'use strict';
// Voice: (1) codec cost as a real-time factor on one core (encode / decode time ÷ audio time;
// 0.01 = 1 % of a core, 100 streams per core), with G.711 µ-law as the same-run baseline;
// (2) call quality under loss and jitter: one-way voice calls between two real datagram sessions
// on loopback, the receiver's datagrams dropped at random (1 %, 3 %) and delayed uniformly by
// 0–40 ms (20 ms mean); the E-model R/MOS comes from what the receiver measured (loss incl. late
// frames, burst ratio, RFC 3550 jitter, jitter-buffer delay, RTT from receiver reports).
// Calls run at BENCH_SPEED× real time (all times scale; default 4) to keep the bench short.
// (3) mouth-to-ear delay, measured: real-time calls on a clean loopback path whose input carries a
// click every 250 ms; the talker's microphone tap (onCapture) timestamps each click as it is
// spoken, the listener's speaker tap (onPlayout) as it is played, so the figure is what a caller
// would hear, not a sum of parts. (4) late loss at 0–40 ms jitter, real time. (3) and (4) run the
// adaptive jitter-buffer floor and, as the same-run baseline, the former fixed 20 ms floor.
require('reflect-metadata');
// The suite's helpers (built by tsc -b): a throw-away PINHOLE_HOME for the test identities, and
// a pair of sessions keyed by a real Noise handshake.
require('../test/dist/helpers/env');
const { sessionPair } = require('../test/dist/helpers/session-pair');
const { VoiceService, Codec } = require('@pinhole/core');
const { Host } = require('@pinhole/core/host');
const { median, machine } = require('./lib');

const RUNS = Number(process.env.BENCH_RUNS || 5);
const SPEED = Number(process.env.BENCH_SPEED || 4);
const CALL_SECONDS = Number(process.env.BENCH_CALL_SECONDS || 6);
const CODEC_SECONDS = 10;

/** Deterministic PRNG (mulberry32). */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Talk-like test signal: voiced syllables (harmonics of a gliding 110–230 Hz pitch) and faint pauses. */
function speech(rate, seconds, seed) {
  const r = rng(seed);
  const out = new Int16Array(Math.round(rate * seconds));
  let i = 0;
  let phase = 0;
  while (i < out.length) {
    const syl = Math.round(rate * (0.15 + 0.2 * r()));
    const f0a = 110 + 120 * r();
    const f0b = 110 + 120 * r();
    for (let k = 0; k < syl && i < out.length; k++, i++) {
      const f0 = f0a + ((f0b - f0a) * k) / syl;
      phase += (2 * Math.PI * f0) / rate;
      let v = 0;
      for (let h = 1; h * f0 < Math.min(3400, rate / 2 - 200); h++) v += Math.sin(h * phase) / h;
      out[i] = Math.max(-32768, Math.min(32767, Math.round(4500 * (0.5 - 0.5 * Math.cos((2 * Math.PI * k) / syl)) * v + (r() - 0.5) * 60)));
    }
    const gap = Math.round(rate * (0.1 + 0.3 * r()));
    for (let k = 0; k < gap && i < out.length; k++, i++) out[i] = Math.round((r() - 0.5) * 60);
  }
  return out;
}

/** Seconds of CPU (wall, single thread) per second of audio for encode and decode. */
function codecRtf(codec) {
  const n = codec.frameSamples;
  const x = speech(codec.clockRate, CODEC_SECONDS, 1);
  const frames = [];
  for (let at = 0; at + n <= x.length; at += n) frames.push(x.subarray(at, at + n));
  const enc = codec.createEncoder();
  const dec = codec.createDecoder();
  for (const f of frames.slice(0, 50)) dec.decode(enc.encode(f)); // warm up JIT / WebAssembly tiers
  const payloads = [];
  let t = process.hrtime.bigint();
  for (const f of frames) payloads.push(enc.encode(f));
  const encS = Number(process.hrtime.bigint() - t) / 1e9;
  t = process.hrtime.bigint();
  for (const p of payloads) dec.decode(p);
  const decS = Number(process.hrtime.bigint() - t) / 1e9;
  enc.dispose();
  dec.dispose();
  const audio = (frames.length * n) / codec.clockRate;
  return { enc: encS / audio, dec: decS / audio, kbps: (payloads.reduce((s, p) => s + p.length, 0) * 8) / audio / 1000 };
}

/** A session's voice stream with arriving datagrams dropped and delayed (the network's doing). */
function impaired(target, loss, jitterMs, seed, speed = SPEED) {
  const r = rng(seed);
  return {
    callId: target.callId,
    role: target.role,
    session: {
      onClose: (h) => target.session.onClose(h),
      openStream: async (type) => {
        const ctx = await target.session.openStream(type);
        return {
          ...ctx,
          send: (p) => ctx.send(p),
          onPayload: (h) =>
            ctx.onPayload((p) => {
              if (r() < loss) return;
              setTimeout(() => h(p), (r() * 2 * jitterMs) / speed);
            }),
        };
      },
    },
  };
}

async function callQuality(host, codec, loss, jitterMs, seed, speed = SPEED, extra = {}) {
  // Two sessions on loopback keyed by a real Noise handshake, as a call opens them by default.
  const pair = await sessionPair(host);
  const callId = pair.as.params.callId;
  const voice = await host.services.load(VoiceService);
  const input = extra.input ?? { sampleRate: 8000, samples: speech(8000, CALL_SECONDS, seed) };
  const net = (t, s) => (loss || jitterMs ? impaired(t, loss, jitterMs, s, speed) : t);
  const [talker, listener] = await Promise.all([
    voice.start(net({ callId, role: 'caller', session: pair.as }, seed), { input, codec, speed, vad: extra.vad, onCapture: extra.onCapture }),
    voice.start(net({ callId, role: 'callee', session: pair.bs }, seed + 1), { speed, onPlayout: extra.onPlayout }),
  ]);
  await Promise.all([talker.finished, listener.finished]);
  await talker.stop();
  const s = await listener.stop();
  await pair.close();
  return s;
}

const CLICK_EVERY_S = 0.25;
const CLICK_LEVEL = 12000;

/** Quiet noise with a 1 ms click every CLICK_EVERY_S, from 0.1 s on. */
function clicks(rate, seconds) {
  const r = rng(7);
  const x = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < x.length; i++) x[i] = Math.round((r() - 0.5) * 40);
  for (let t = 0.1; t < seconds - 0.1; t += CLICK_EVERY_S) for (let k = 0; k < rate / 1000; k++) x[Math.round(t * rate) + k] = k % 2 ? -20000 : 20000;
  return x;
}

/** Times (performance.now(), ms) at which each click's first sample passes through a tap of `rate` Hz frames. */
function clickTimes(rate, frameMs, atCapture) {
  const times = [];
  let lastAt = -Infinity;
  const tap = (pcm) => {
    const now = performance.now();
    for (let i = 0; i < pcm.length; i++) {
      if (Math.abs(pcm[i]) < CLICK_LEVEL) continue;
      // A captured frame is complete now, so its first sample was spoken a frame ago; a played
      // frame starts playing now.
      const at = now - (atCapture ? frameMs : 0) + (1000 * i) / rate;
      if (at - lastAt > (CLICK_EVERY_S * 1000) / 2) times.push((lastAt = at));
      break;
    }
  };
  return { times, tap };
}

/** Mouth-to-ear of each click after the first second (the buffer's settling), real time, clean loopback. */
async function mouthToEar(host, codec, seconds, seed) {
  const c = (await host.services.loadAll(Codec)).find((x) => x.name === codec);
  const mouth = clickTimes(c.clockRate, c.frameMs, true);
  const ear = clickTimes(c.clockRate, c.frameMs, false);
  const stats = await callQuality(host, codec, 0, 0, seed, 1, { input: { sampleRate: 8000, samples: clicks(8000, seconds) }, vad: false, onCapture: mouth.tap, onPlayout: ear.tap });
  const out = [];
  for (const m of mouth.times) {
    const e = ear.times.find((t) => t > m && t - m < 1000);
    if (e !== undefined && m - mouth.times[0] >= 1000) out.push(e - m);
  }
  return { delays: out, clicks: mouth.times.length, heard: ear.times.length, bufferMs: stats.bufferDelayMs };
}

async function voiceHost(options) {
  const host = new Host({ config: { log: { level: 'silent' }, plugins: { 'payload-voice': { options } } } });
  await host.plugins.activate('media-udp');
  // Every voice codec, picked as a call picks them (the voice service activates the codec plugins).
  await (await host.services.load(VoiceService, 'onPayload:voice')).codecs();
  return host;
}

(async () => {
  const host = await voiceHost({});
  // Today's jitter buffer floor: a fixed 20 ms above the fastest packet.
  const fixed = await voiceHost({ minDelayMs: 20, floorDelayMs: 20 });
  const codecs = await host.services.loadAll(Codec);
  const names = ['pcmu', 'pcma', 'opus'].filter((n) => codecs.some((c) => c.name === n));
  const byName = (n) => codecs.find((c) => c.name === n);

  console.log(`# voice — ${machine()} — medians of ${RUNS} runs`);
  console.log(`## codec real-time factor, one core (${CODEC_SECONDS} s of speech-like audio; lower is cheaper)`);
  const rtf = {};
  for (const n of names) {
    const runs = Array.from({ length: RUNS }, () => codecRtf(byName(n)));
    rtf[n] = { enc: median(runs.map((r) => r.enc)), dec: median(runs.map((r) => r.dec)), kbps: median(runs.map((r) => r.kbps)) };
  }
  const base = rtf.pcmu;
  for (const n of names) {
    const r = rtf[n];
    console.log(
      `${n.padEnd(5)} encode RTF ${r.enc.toExponential(2)} (${Math.round(1 / r.enc)} streams/core, ${(r.enc / base.enc).toFixed(1)}× pcmu)` +
        `   decode RTF ${r.dec.toExponential(2)} (${Math.round(1 / r.dec)} streams/core, ${(r.dec / base.dec).toFixed(1)}× pcmu)   ${r.kbps.toFixed(1)} kbit/s payload`,
    );
  }

  console.log(`## call quality, ${CALL_SECONDS} s one-way calls at ${SPEED}× speed, 0–40 ms uniform jitter (20 ms mean)`);
  for (const n of names) {
    for (const loss of [0.01, 0.03]) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await callQuality(host, n, loss, 20, 1000 * i + Math.round(loss * 100)));
      const m = (k) => median(runs.map((s) => s[k] ?? 0));
      console.log(
        `${n.padEnd(5)} ${(loss * 100).toFixed(0)} % loss: MOS ${m('mos').toFixed(2)} (R ${m('r').toFixed(1)})  measured loss ${m('lossPercent').toFixed(1)} %  ` +
          `late ${m('packetsLate')}  concealed ${m('framesConcealed')}  jitter ${m('jitterMs').toFixed(1)} ms  buffer ${m('bufferDelayMs').toFixed(1)} ms  ` +
          `rtt ${m('rttMs').toFixed(1)} ms  mouth-to-ear ${m('mouthToEarMs').toFixed(1)} ms`,
      );
    }
  }

  console.log(`## mouth-to-ear, measured with clicks: real time, clean loopback, 4 s calls, clicks after the first second`);
  const m2e = {};
  for (const [label, h] of [
    ['adaptive floor', host],
    ['fixed 20 ms floor (baseline)', fixed],
  ])
    for (const n of ['pcmu', 'opus'].filter((x) => names.includes(x))) {
      const all = [];
      const buffer = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await mouthToEar(h, n, 4, 300 + i);
        all.push(...r.delays);
        buffer.push(r.bufferMs);
      }
      m2e[`${label}/${n}`] = median(all);
      console.log(
        `${n.padEnd(5)} ${label.padEnd(29)} mouth-to-ear median ${median(all).toFixed(1)} ms (min ${Math.min(...all).toFixed(1)}, max ${Math.max(...all).toFixed(1)}, ${all.length} clicks)` +
          `   jitter-buffer delay ${median(buffer).toFixed(1)} ms`,
      );
    }
  const pcmuRatio = m2e['adaptive floor/pcmu'] / m2e['fixed 20 ms floor (baseline)/pcmu'];
  console.log(`pcmu mouth-to-ear adaptive / fixed floor: ${pcmuRatio.toFixed(2)}; goal ≤ 30 ms: ${m2e['adaptive floor/pcmu'] <= 30 ? 'met' : 'NOT met'}`);

  console.log(`## late loss at 0–40 ms uniform jitter (20 ms mean), no loss, real time, ${CALL_SECONDS} s pcmu calls`);
  for (const [label, h] of [
    ['adaptive floor', host],
    ['fixed 20 ms floor (baseline)', fixed],
  ]) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await callQuality(h, 'pcmu', 0, 20, 500 + i, 1));
    const late = median(runs.map((s) => (100 * s.packetsLate) / Math.max(1, s.packetsReceived)));
    console.log(`${label.padEnd(29)} late ${late.toFixed(2)} % of frames (median)  buffer ${median(runs.map((s) => s.bufferDelayMs)).toFixed(1)} ms  concealed ${median(runs.map((s) => s.framesConcealed))}`);
  }
  await host.dispose();
  await fixed.dispose();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
