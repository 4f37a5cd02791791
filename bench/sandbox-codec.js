'use strict';
// A codec called through the sandbox (the plugin isolated in a worker: "isolation": "worker")
// against the same codec in-process, at voice rate: N streams, each encoding one frame and
// decoding one payload every 20 ms on its own drift-corrected timer (what one leg of a call
// costs), staggered over the 20 ms. CPU of the whole process (every thread: the worker's codec
// work and both sides of the RPC) per wall second gives the share of a core one stream takes,
// so streams per core = N ÷ that share. In-process is the same-run baseline; goal ≥ 0.8.
// Then what the isolated path costs per call: postMessage round trips with k calls per
// message, structured clone against transfer, and a SharedArrayBuffer ring with Atomics.
require('reflect-metadata');
const { Worker } = require('worker_threads');
const { Codec, createLogger } = require('@pinhole/core');
const { Host } = require('@pinhole/core/host');
const { median, machine } = require('./lib');

const RUNS = Number(process.env.BENCH_RUNS || 3);
const SECONDS = Number(process.env.BENCH_SECONDS || 4);
/** The isolated codec once more with calls batched over this window (limits.batchWindowMs). */
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS || 2);
const CASES = [
  { codec: 'pcmu', plugin: 'codec-g711', streams: Number(process.env.BENCH_PCMU_STREAMS || 200) },
  { codec: 'opus', plugin: 'codec-opus', streams: Number(process.env.BENCH_OPUS_STREAMS || 16) },
];

// Counts what the host posts to workers (messages, and calls in them): the batching actually achieved.
const posted = { messages: 0, calls: 0 };
const post = Worker.prototype.postMessage;
Worker.prototype.postMessage = function (m, t) {
  posted.messages++;
  posted.calls += m?.calls?.length ?? 0;
  return post.call(this, m, t);
};

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function frames(codec) {
  const n = codec.frameSamples;
  return Array.from({ length: 50 }, (_, f) => Int16Array.from({ length: n }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * (140 + f) * (f * n + i)) / codec.clockRate))));
}

/** N paced streams for `seconds`; codec null = the timers alone. */
async function paced(codec, n, seconds, fs) {
  const streams = [];
  for (let i = 0; i < n; i++) {
    const s = codec ? { enc: codec.createEncoder(), dec: codec.createDecoder(), last: undefined } : {};
    if (codec) for (let k = 0; k < 10; k++) s.last = await s.dec.decode(await s.enc.encode(fs[k])) && (await s.enc.encode(fs[k]));
    streams.push(s);
  }
  await sleep(200);
  let done = 0;
  let late = 0;
  let stop = false;
  const inflight = new Set();
  const t0 = performance.now();
  const c0 = cpuMs();
  const p0 = { ...posted };
  streams.forEach((s, i) => {
    const start = t0 + (20 * i) / n;
    let k = 0;
    const tick = () => {
      if (stop) return;
      const due = start + k * 20;
      if (performance.now() - due > 20) late++;
      if (codec) {
        const e = s.enc.encode(fs[k % fs.length]);
        const d = s.dec.decode(s.last);
        if (typeof e?.then === 'function') {
          const p = Promise.all([e, d]).then(([payload]) => {
            s.last = payload;
            done++;
            inflight.delete(p);
          });
          inflight.add(p);
        } else {
          s.last = e;
          done++;
        }
      } else done++;
      k++;
      setTimeout(tick, Math.max(0, start + k * 20 - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  await sleep(seconds * 1000);
  stop = true;
  const wall = performance.now() - t0;
  const cpu = cpuMs() - c0;
  await Promise.all(inflight);
  for (const s of streams) {
    s.enc?.dispose();
    s.dec?.dispose();
  }
  const share = cpu / wall;
  const messages = posted.messages - p0.messages;
  // CPU per frame actually handled: a loaded machine that delays the timers lowers both alike.
  const usPerFrame = (cpu * 1000) / done;
  return { share, usPerFrame, streamsPerCore: 1e6 / (usPerFrame * 50), framesPerSec: done / (wall / 1000), late, callsPerMessage: messages ? (posted.calls - p0.calls) / messages : 0 };
}

async function codecOf(plugin, name, isolation, limits) {
  // A generous call timeout: a shared machine can stall a thread for seconds, which is no crash.
  const host = new Host({ config: { plugins: { [plugin]: { isolation, limits: { callTimeoutMs: 60_000, ...limits } } } }, log: createLogger({ level: 'silent', events: false }) });
  const codec = (await host.services.loadAll(Codec, `onCodec:${name}`)).find((c) => c.name === name);
  return { host, codec };
}

// --- transport costs (raw worker_threads, no sandbox): what a call across costs ---

function echoWorker() {
  return new Worker(
    `const { parentPort } = require('worker_threads');
     parentPort.on('message', (m) => parentPort.postMessage(m.calls ? { results: m.calls.map((c) => ({ id: c.id, v: c.a })) } : m));`,
    { eval: true },
  );
}

/** CPU µs (both threads) per call: `calls` calls, k per message, each carrying `payload()`. */
async function roundTrips(w, calls, k, payload, transfer) {
  let resolve;
  w.removeAllListeners('message');
  w.on('message', () => resolve());
  const run = async (n) => {
    for (let i = 0; i < n / k; i++)
      await new Promise((r) => {
        resolve = r;
        const batch = [];
        const t = [];
        for (let j = 0; j < k; j++) {
          const a = payload();
          if (transfer) t.push(a.buffer);
          batch.push({ id: j, a });
        }
        w.postMessage({ calls: batch }, t);
      });
  };
  await run(Math.min(calls, 2000));
  const c0 = cpuMs();
  await run(calls);
  return ((cpuMs() - c0) * 1000) / calls;
}

/** A SharedArrayBuffer ring with Atomics.wait in the worker and Atomics.waitAsync in the host: CPU µs per call. */
async function sabRing(calls) {
  const sab = new SharedArrayBuffer(8 + 1920);
  const ctl = new Int32Array(sab, 0, 2);
  const w = new Worker(
    `const { workerData } = require('worker_threads');
     const ctl = new Int32Array(workerData, 0, 2); const data = new Uint8Array(workerData, 8);
     let seen = 0;
     for (;;) { Atomics.wait(ctl, 0, seen); seen = Atomics.load(ctl, 0); if (seen < 0) break; data[0]++; Atomics.store(ctl, 1, seen); Atomics.notify(ctl, 1); }`,
    { eval: true, workerData: sab },
  );
  let seq = 0;
  const one = async () => {
    seq++;
    Atomics.store(ctl, 0, seq);
    Atomics.notify(ctl, 0);
    const r = Atomics.waitAsync(ctl, 1, seq - 1);
    if (r.async) await r.value;
  };
  for (let i = 0; i < 2000; i++) await one();
  const c0 = cpuMs();
  for (let i = 0; i < calls; i++) await one();
  const us = ((cpuMs() - c0) * 1000) / calls;
  Atomics.store(ctl, 0, -1);
  Atomics.notify(ctl, 0);
  await w.terminate();
  return us;
}

(async () => {
  console.log(`sandbox codec bench — ${machine()}; ${SECONDS} s per run, median of ${RUNS} runs`);
  const idle = [];
  for (let r = 0; r < RUNS; r++) idle.push((await paced(null, 200, 2, [])).usPerFrame);
  console.log(`timers alone (the pacing every stream pays either way): ${median(idle).toFixed(1)} µs CPU per tick`);
  for (const c of CASES) {
    const inproc = await codecOf(c.plugin, c.codec, 'none');
    const iso = await codecOf(c.plugin, c.codec, 'worker');
    const windowed = await codecOf(c.plugin, c.codec, 'worker', { batchWindowMs: WINDOW_MS });
    const fs = frames(inproc.codec);
    const a = [];
    const b = [];
    const w = [];
    // Interleaved, so load on the machine hits all alike.
    for (let r = 0; r < RUNS; r++) {
      a.push(await paced(inproc.codec, c.streams, SECONDS, fs));
      b.push(await paced(iso.codec, c.streams, SECONDS, fs));
      w.push(await paced(windowed.codec, c.streams, SECONDS, fs));
    }
    const med = (xs, k) => median(xs.map((x) => x[k]));
    const row = (label, xs) =>
      `  ${label.padEnd(22)} ${med(xs, 'streamsPerCore').toFixed(0).padStart(6)} streams/core  (${med(xs, 'usPerFrame').toFixed(1)} µs CPU per frame; ${(med(xs, 'share') * 100).toFixed(1)} % of a core; ${med(xs, 'framesPerSec').toFixed(0)}/${c.streams * 50} frames/s, ${med(xs, 'late')} ticks late${xs[0].callsPerMessage ? `; ${med(xs, 'callsPerMessage').toFixed(1)} calls per message` : ''})`;
    console.log(`${c.codec} (${c.plugin}), ${c.streams} streams, encode + decode per 20 ms each:`);
    console.log(row('in-process (baseline)', a));
    console.log(row('isolated (sandbox)', b));
    console.log(row(`isolated, ${WINDOW_MS} ms window`, w));
    for (const [label, xs] of [['isolated', b], [`isolated, ${WINDOW_MS} ms window`, w]]) {
      const ratios = a.map((x, i) => xs[i].streamsPerCore / x.streamsPerCore);
      console.log(`  ratio ${label} / in-process: ${median(ratios).toFixed(2)} (runs ${ratios.map((x) => x.toFixed(2)).join(', ')}; goal ≥ 0.8)`);
    }
    for (const x of [inproc, iso, windowed]) await x.host.dispose();
  }
  console.log('what a call across costs (CPU µs per call, both threads; raw worker_threads):');
  const w = echoWorker();
  const pcm = () => new Int16Array(960);
  for (const k of [1, 4, 16, 64]) console.log(`  postMessage round trip, ${String(k).padStart(2)} calls per message, 1920-byte frame cloned: ${(await roundTrips(w, 20000, k, pcm, false)).toFixed(1)}`);
  console.log(`  same, 1 call per message, frame transferred: ${(await roundTrips(w, 20000, 1, pcm, true)).toFixed(1)}`);
  console.log(`  same, 1 call per message, no payload: ${(await roundTrips(w, 20000, 1, () => 0, false)).toFixed(1)}`);
  console.log(`  SharedArrayBuffer ring, Atomics.wait / waitAsync, 1 call: ${(await sabRing(20000)).toFixed(1)}`);
  await w.terminate();
})();
