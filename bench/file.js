'use strict';
// File transfer goodput on loopback: payload-file against raw udx streams on the same kind of
// media-udp session, in the same run. The receiver is a second process (as a real peer is), so
// each side's disk, hashing and framing work overlaps as it would across two machines.
// Each round runs, in turn:
//   raw udx, memory → memory   bytes written to the stream and counted on arrival (the ceiling)
//   raw udx, disk → disk       the file read from disk, streamed, written to disk: a bare copy with
//                              no framing, hashing, verification or resume (the baseline)
//   payload-file               offer/accept, pieces hashed while sent and verified on arrival, acks,
//                              root check, rename (stream count adaptive, or BENCH_STREAMS=N)
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
 * the sender for both ends), so every stream — raw and payload-file alike — is encrypted.
 */
function openSession(transport, ids, port, role, handshake) {
  return transport.openSession({ callId: `bench-${Math.min(...ids)}`, role, localEndpoint: ids[0], remoteEndpoint: ids[1], remote: { address: '127.0.0.1', port }, keepaliveMs: 0, handshake });
}

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
    if (m.mode === 'file') {
      const ep = files.attach(s, { inbox: dir });
      ep.onReceived((r) => {
        fs.rmSync(r.path);
        ep.close().then(() => s.close()).then(done);
      });
    } else {
      const rx = s.openReliableStream(RAW_CHANNEL);
      rx.on('error', () => undefined);
      const ws = m.mode === 'raw-disk' ? fs.createWriteStream(out, { highWaterMark: 1 << 20 }) : undefined;
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
    const hs = await handshakePair(host, { callId: `bench-${pair[0]}`, callerEndpoint: pair[0], calleeEndpoint: pair[1] }, 'bench-tx', 'bench-rx');
    child.send({ mode, ids: pair, port: transport.socket.localPort, handshake: hs.callee });
    await next('ready');
    const s = await openSession(transport, pair, rxPort, 'caller', hs.caller);
    await s.ping();
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    let result;
    if (mode === 'file') {
      const ep = files.attach(s);
      result = await ep.send({ path: file });
      await ep.close();
    } else {
      const tx = s.openReliableStream(RAW_CHANNEL);
      tx.on('error', () => undefined); // the receiver drops the stream once it has every byte
      const block = crypto.randomBytes(WRITE);
      await pump(tx, mode === 'raw-disk' ? file : () => Buffer.from(block));
    }
    const { cpu: rxCpu } = await next('done');
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const txCpu = process.cpuUsage(cpu0);
    await s.close();
    return { seconds, result, cpu: (txCpu.user + txCpu.system + rxCpu.user + rxCpu.system) / 1e6 };
  }

  const rate = { 'raw-mem': [], 'raw-disk': [], file: [] };
  const streams = [];
  const cpu = { 'raw-mem': [], 'raw-disk': [], file: [] };
  await run('raw-mem'); // warm-up: JIT, page cache
  await run('file');
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 ? ['file', 'raw-disk', 'raw-mem'] : ['raw-mem', 'raw-disk', 'file'];
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
  console.log(`raw udx stream, memory → memory (ceiling)   ${mb(rate['raw-mem'])} MB/s   ${cs(cpu['raw-mem'])} CPU-s/GiB`);
  console.log(`raw udx stream, disk → disk (baseline)      ${mb(rate['raw-disk'])} MB/s   ${cs(cpu['raw-disk'])} CPU-s/GiB`);
  console.log(`payload-file, disk → verified disk          ${mb(rate.file)} MB/s   ${cs(cpu.file)} CPU-s/GiB   (streams: ${[...new Set(streams)].join('/')})`);
  const r = (a, b) => (median(a) / median(b)).toFixed(2);
  console.log(`ratio payload-file / raw udx disk→disk: ${r(rate.file, rate['raw-disk'])} (goal ≥ 0.9)   CPU per GiB payload-file / raw disk→disk: ${r(cpu.file, cpu['raw-disk'])}   payload-file / raw udx memory: ${r(rate.file, rate['raw-mem'])}`);
}

if (process.argv.includes('--receiver')) receiver();
else main();
