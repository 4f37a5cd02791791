'use strict';
// File transfer goodput on loopback: payload-file over an encrypted session (as every call is by
// default) against the same over an --insecure one and against raw udx streams on the same kind
// of media-udp session, in the same run. The receiver is a second process (as a real peer is), so
// each side's disk, hashing, sealing and framing work overlaps as it would across two machines.
// Each round runs, in turn:
//   raw udx, memory → memory   bytes written to a plain (--insecure) stream, counted on arrival (the ceiling)
//   raw udx, disk → disk       the file read from disk, streamed, written to disk: a bare copy with
//                              no framing, hashing, encryption, verification or resume (the baseline)
//   raw udx, disk → disk, encrypted   the same over a session keyed by a Noise handshake
//   payload-file --insecure    offer/accept, pieces hashed while sent and verified on arrival, acks,
//                              root check, rename (stream count adaptive, or BENCH_STREAMS=N)
//   payload-file, encrypted    the same with every stream encrypted (secure-noise), as by default
// and prints each one's median goodput (file bytes / seconds), the CPU both processes spent on it
// (user + system, every thread), and the ratios. On a small machine where both peers share the
// cores the transfer is CPU-bound, so the CPU column shows where goodput goes.
require('reflect-metadata');
const { fork } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { MediaTransportFactory } = require('@pinhole/core');
const { Host } = require('@pinhole/core/host');
const { PayloadType } = require('@pinhole/core');
const { median, machine } = require('./lib');
// The suite's handshake helper (built by tsc -b with everything else).
const { handshakePair } = require('../test/dist/helpers/secure');

const SIZE = Number(process.env.BENCH_MB || 64) * 1024 * 1024;
const RUNS = Number(process.env.BENCH_RUNS || 5);
const RAW_CHANNEL = 7;
const WRITE = 64 * 1024;

async function peer() {
  const options = process.env.BENCH_STREAMS ? { streams: Number(process.env.BENCH_STREAMS) } : {};
  const host = new Host({ config: { log: { level: 'silent' }, plugins: { 'payload-file': { options } } } });
  await host.plugins.activate('media-udp');
  await host.plugins.activate('secure-noise'); // protects the sessions (their reliable streams too)
  const transport = await (await host.services.load(MediaTransportFactory)).create({ host: '127.0.0.1' });
  return { host, transport, files: await host.services.loadNamed(PayloadType, 'file', 'onPayload:file') };
}

/**
 * A session as a call opens it: keyed by a real Noise handshake (the test suite's helper, made in
 * the sender for both ends), so every stream is encrypted; without one, as --insecure opens it.
 */
function openSession(transport, ids, port, role, handshake) {
  const at = { callId: `bench-${Math.min(...ids)}`, role, localEndpoint: ids[0], remoteEndpoint: ids[1], remote: { address: '127.0.0.1', port } };
  return transport.openSession({ ...at, keepaliveMs: 0, handshake, insecure: !handshake });
}

/** What each mode moves and whether its session is encrypted. */
const MODES = {
  'raw-mem': { source: 'memory', secure: false },
  'raw-disk': { source: 'disk', secure: false },
  'raw-disk-sealed': { source: 'disk', secure: true },
  'file-insecure': { source: 'file', secure: false },
  file: { source: 'file', secure: true },
};

/** Writes `source` (a Buffer factory or a file path) to a raw udx stream, 64 KiB writes, honouring drain. */
async function pump(stream, source) {
  const write = (b) => (stream.write(b) ? undefined : new Promise((r) => stream.once('drain', r)));
  if (typeof source === 'string') {
    for await (const block of fs.createReadStream(source, { highWaterMark: 1 << 20 }))
      for (let at = 0; at < block.length; at += WRITE) await write(block.subarray(at, at + WRITE));
  } else for (let sent = 0; sent < SIZE; sent += WRITE) await write(source());
}

// ---- receiver process ----------------------------------------------------------------------
async function receiver() {
  const { transport, files } = await peer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-bench-rx-'));
  process.on('message', async (m) => {
    if (m.stop) {
      fs.rmSync(dir, { recursive: true, force: true });
      return process.exit(0);
    }
    const cpu0 = process.cpuUsage();
    const done = () => process.send({ done: true, cpu: process.cpuUsage(cpu0) });
    const s = await openSession(transport, [m.ids[1], m.ids[0]], m.port, 'callee', m.handshake);
    const out = path.join(dir, 'raw.bin');
    if (MODES[m.mode].source === 'file') {
      const ep = files.attach(s, { inbox: dir });
      ep.onReceived((r) => {
        fs.rmSync(r.path);
        ep.close().then(() => s.close()).then(done);
      });
    } else {
      const rx = s.openReliableStream(RAW_CHANNEL);
      rx.on('error', () => undefined);
      const ws = MODES[m.mode].source === 'disk' ? fs.createWriteStream(out, { highWaterMark: 1 << 20 }) : undefined;
      let n = 0;
      rx.on('data', (c) => {
        n += c.length;
        ws?.write(c);
        if (n < SIZE) return;
        const finish = () => {
          rx.destroy();
          s.close().then(done);
        };
        if (ws) ws.end(() => (fs.rmSync(out), finish()));
        else finish();
      });
    }
    process.send({ ready: true, port: transport.socket.localPort });
  });
  process.send({ ready: true, port: transport.socket.localPort });
}

// ---- sender (this process) -----------------------------------------------------------------
async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-bench-tx-'));
  const file = path.join(dir, 'payload.bin');
  const fd = fs.openSync(file, 'w');
  for (let off = 0; off < SIZE; off += 1 << 20) fs.writeSync(fd, crypto.randomBytes(Math.min(1 << 20, SIZE - off)));
  fs.closeSync(fd);
  // Test identities for the handshakes live in a throwaway PINHOLE_HOME (test/helpers/peers.ts).
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-bench-home-'));
  process.env.PINHOLE_HOME = home;
  const { host, transport, files } = await peer();
  // 'advanced': the handshake result (Uint8Array keys) crosses the IPC channel intact.
  const child = fork(__filename, ['--receiver'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', env: { ...process.env, PINHOLE_HOME: home } });
  const inbox = [];
  let wake;
  child.on('message', (m) => (inbox.push(m), wake?.()));
  const next = async (key) => {
    for (;;) {
      const i = inbox.findIndex((m) => m[key]);
      if (i >= 0) return inbox.splice(i, 1)[0];
      await new Promise((r) => (wake = r));
    }
  };
  const rxPort = (await next('ready')).port;
  let ids = 0x100;

  /** One transfer; returns seconds from the first byte offered to the last one received (and verified, for files). */
  async function run(mode) {
    const pair = [ids++, ids++];
    const { source, secure } = MODES[mode];
    const hs = secure ? await handshakePair(host, { callId: `bench-${pair[0]}`, callerEndpoint: pair[0], calleeEndpoint: pair[1] }, 'bench-tx', 'bench-rx') : undefined;
    child.send({ mode, ids: pair, port: transport.socket.localPort, handshake: hs?.callee });
    await next('ready');
    const s = await openSession(transport, pair, rxPort, 'caller', hs?.caller);
    await s.ping();
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    let result;
    if (source === 'file') {
      const ep = files.attach(s);
      result = await ep.send({ path: file });
      await ep.close();
    } else {
      const tx = s.openReliableStream(RAW_CHANNEL);
      tx.on('error', () => undefined); // the receiver drops the stream once it has every byte
      const block = crypto.randomBytes(WRITE);
      await pump(tx, source === 'disk' ? file : () => Buffer.from(block));
    }
    const { cpu: rxCpu } = await next('done');
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const txCpu = process.cpuUsage(cpu0);
    await s.close();
    return { seconds, result, cpu: (txCpu.user + txCpu.system + rxCpu.user + rxCpu.system) / 1e6 };
  }

  // BENCH_MODES=file,file-insecure narrows the run (a profile of one mode, say).
  const names = process.env.BENCH_MODES ? process.env.BENCH_MODES.split(',') : Object.keys(MODES);
  const rate = Object.fromEntries(names.map((m) => [m, []]));
  const cpu = Object.fromEntries(names.map((m) => [m, []]));
  const streams = [];
  await run('raw-mem'); // warm-up: JIT, page cache
  await run('file');
  for (let i = 0; i < RUNS; i++) {
    // Alternate the order so no mode always runs first (or last) in a round.
    const order = i % 2 ? [...names].reverse() : names;
    for (const mode of order) {
      const { seconds, result, cpu: used } = await run(mode);
      rate[mode].push(SIZE / seconds);
      cpu[mode].push(used / (SIZE / 2 ** 30));
      if (result) streams.push(result.streams);
    }
  }
  child.send({ stop: true });
  await transport.close();
  await host.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });

  const mb = (x) => (median(x) / 1e6).toFixed(1).padStart(6);
  const cs = (x) => median(x).toFixed(2).padStart(5);
  console.log(`# file transfer goodput (loopback, receiver in a second process) — ${machine()} — ${SIZE >> 20} MiB, median of ${RUNS} runs`);
  const line = (label, mode, extra = '') => names.includes(mode) && console.log(`${label.padEnd(44)} ${mb(rate[mode])} MB/s   ${cs(cpu[mode])} CPU-s/GiB${extra}`);
  line('raw udx stream, memory → memory (ceiling)', 'raw-mem');
  line('raw udx stream, disk → disk (baseline)', 'raw-disk');
  line('raw udx stream, disk → disk, encrypted', 'raw-disk-sealed');
  line('payload-file --insecure, disk → verified disk', 'file-insecure');
  line('payload-file encrypted, disk → verified disk', 'file', `   (streams: ${[...new Set(streams)].join('/')})`);
  if (names.length < Object.keys(MODES).length) return; // the ratios need every mode
  const r = (a, b) => (median(rate[a]) / median(rate[b])).toFixed(2);
  const c = (a, b) => (median(cpu[a]) / median(cpu[b])).toFixed(2);
  console.log(`ratio payload-file encrypted / --insecure: ${r('file', 'file-insecure')} (goal ≥ 0.9)   CPU per GiB: ${c('file', 'file-insecure')}`);
  console.log(`ratio payload-file --insecure / raw udx disk→disk: ${r('file-insecure', 'raw-disk')} (goal ≥ 0.9)   CPU per GiB: ${c('file-insecure', 'raw-disk')}`);
  console.log(`ratio payload-file encrypted / raw udx disk→disk encrypted: ${r('file', 'raw-disk-sealed')}   / raw udx disk→disk: ${r('file', 'raw-disk')}   / raw udx memory: ${r('file', 'raw-mem')}`);
}

if (process.argv.includes('--receiver')) receiver();
else main();
