'use strict';
// File transfer goodput on loopback: payload-file on a secure session (the default) against the
// same transfer on an --insecure one, and against raw udx streams, in the same run. The receiver
// is a second process (as a real peer is), so each side's disk, hashing, framing and encryption
// work overlaps as it would across two machines. Secure sessions are keyed by a real Noise IK
// handshake between the two processes (its messages passed over IPC). Each round runs, in turn:
//   raw udx, memory → memory          bytes written to the stream and counted on arrival (the ceiling)
//   raw udx, disk → disk              the file read from disk, streamed, written to disk: a bare copy
//                                     with no framing, hashing, verification or resume
//   encrypted udx, memory → memory    the same as the ceiling through the session's stream
//                                     encryption (secure-noise: secret-stream, per-channel keys)
//   payload-file, --insecure          offer/accept, 1 MiB pieces over several udx streams, each
//                                     hashed as it is read and verified on arrival, acks, root
//                                     check, rename, on a plaintext session (the baseline; stream
//                                     count adaptive, or BENCH_STREAMS=N)
//   payload-file (secure, default)    the same on an encrypted session
// and prints each one's median goodput (file bytes / seconds), the CPU both processes spent on it
// (user + system, every thread), and the ratios. On a small machine where both peers share the
// cores the transfer is CPU-bound, so the CPU column shows where goodput goes.
// BENCH_MODES=file,file-insecure narrows a run to some modes (to profile one, say).
require('reflect-metadata');
const { fork } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { MediaTransportFactory, PayloadType, SessionSecurity } = require('@pinhole/core');
const { Host } = require('@pinhole/core/host');
const { median, machine, throwawayIdentity } = require('./lib');

const SIZE = Number(process.env.BENCH_MB || 64) * 1024 * 1024;
const RUNS = Number(process.env.BENCH_RUNS || 5);
const RAW_CHANNEL = 7;
const WRITE = 64 * 1024;
/** Which modes run on a secure session (the others are --insecure). */
const SECURE = new Set(['enc-mem', 'file']);

async function peer() {
  const options = process.env.BENCH_STREAMS ? { streams: Number(process.env.BENCH_STREAMS) } : {};
  const host = new Host({ config: { log: { level: 'silent' }, plugins: { 'payload-file': { options } } } });
  await host.plugins.activate('media-udp');
  await host.plugins.activate('secure-noise');
  const transport = await (await host.services.load(MediaTransportFactory)).create({ host: '127.0.0.1' });
  const files = await host.services.loadNamed(PayloadType, 'file', 'onPayload:file');
  return { host, transport, files, security: await host.services.load(SessionSecurity), identity: throwawayIdentity() };
}

/** `handshake` undefined: an --insecure session. The sender is the caller, the receiver the callee. */
function openSession(transport, ids, port, role, handshake) {
  const callId = `bench-${Math.min(...ids)}`;
  return transport.openSession({ callId, role, localEndpoint: ids[0], remoteEndpoint: ids[1], remote: { address: '127.0.0.1', port }, keepaliveMs: 0, handshake, insecure: !handshake });
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
  const { transport, files, security, identity } = await peer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-bench-rx-'));
  process.on('message', async (m) => {
    if (m.stop) {
      fs.rmSync(dir, { recursive: true, force: true });
      return process.exit(0);
    }
    const ids = [m.ids[1], m.ids[0]];
    let step;
    if (m.msg1) {
      const responder = security.responder({ callId: `bench-${Math.min(...ids)}`, localEndpoint: ids[0], remoteEndpoint: ids[1], identity, checkInitiator: () => true });
      step = responder.receive(Buffer.from(m.msg1, 'base64'));
      if (!step.result) throw new Error(`handshake message 1 dropped: ${step.dropped}`);
    }
    const s = await openSession(transport, ids, m.port, 'callee', step?.result);
    const cpu0 = process.cpuUsage();
    const done = () => process.send({ done: true, cpu: process.cpuUsage(cpu0) });
    const out = path.join(dir, 'raw.bin');
    if (m.mode.startsWith('file')) {
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
    process.send({ ready: true, port: transport.socket.localPort, msg2: step?.reply.toString('base64') });
  });
  process.send({ ready: true, port: transport.socket.localPort, key: Buffer.from(identity.publicKey).toString('base64') });
}

// ---- sender (this process) -----------------------------------------------------------------
async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-bench-tx-'));
  const file = path.join(dir, 'payload.bin');
  const fd = fs.openSync(file, 'w');
  for (let off = 0; off < SIZE; off += 1 << 20) fs.writeSync(fd, crypto.randomBytes(Math.min(1 << 20, SIZE - off)));
  fs.closeSync(fd);
  const { host, transport, files, security, identity } = await peer();
  const child = fork(__filename, ['--receiver'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
  const hello = await next('ready');
  const rxPort = hello.port;
  const rxKey = Buffer.from(hello.key, 'base64');
  let ids = 0x100;

  /** One transfer; returns seconds from the first byte offered to the last one received (and verified, for files). */
  async function run(mode) {
    const pair = [ids++, ids++];
    const initiator = SECURE.has(mode)
      ? security.initiator({ callId: `bench-${Math.min(...pair)}`, localEndpoint: pair[0], remoteEndpoint: pair[1], identity, remotePublicKey: rxKey })
      : undefined;
    child.send({ mode, ids: pair, port: transport.socket.localPort, msg1: initiator?.message.toString('base64') });
    const { msg2 } = await next('ready');
    const handshake = initiator && initiator.receive(Buffer.from(msg2, 'base64')).result;
    if (initiator && !handshake) throw new Error('handshake message 2 dropped');
    const s = await openSession(transport, pair, rxPort, 'caller', handshake);
    await s.ping();
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    let result;
    if (mode.startsWith('file')) {
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

  const ALL = ['raw-mem', 'raw-disk', 'enc-mem', 'file-insecure', 'file'];
  const modes = process.env.BENCH_MODES ? process.env.BENCH_MODES.split(',').filter((m) => ALL.includes(m)) : ALL;
  const rate = Object.fromEntries(modes.map((m) => [m, []]));
  const cpu = Object.fromEntries(modes.map((m) => [m, []]));
  const offer = { file: [], 'file-insecure': [] };
  const streams = new Set();
  for (const mode of modes) await run(mode); // warm-up: JIT, page cache
  for (let i = 0; i < RUNS; i++) {
    for (const mode of i % 2 ? [...modes].reverse() : modes) {
      const { seconds, result, cpu: used } = await run(mode);
      rate[mode].push(SIZE / seconds);
      cpu[mode].push(used / (SIZE / 2 ** 30));
      if (result) {
        offer[mode].push(SIZE / result.seconds);
        streams.add(result.streams);
      }
    }
  }
  child.send({ stop: true });
  await transport.close();
  await host.dispose();
  fs.rmSync(dir, { recursive: true, force: true });

  const mb = (x) => (median(x) / 1e6).toFixed(1).padStart(6);
  const cs = (x) => median(x).toFixed(2).padStart(5);
  const runs = (x) => x.map((v) => (v / 1e6).toFixed(0)).join(' ');
  const line = (label, mode, extra = '') => modes.includes(mode) && console.log(`${label.padEnd(44)} ${mb(rate[mode])} MB/s   ${cs(cpu[mode])} CPU-s/GiB   [${runs(rate[mode])}]${extra}`);
  console.log(`# file transfer goodput (loopback, receiver in a second process) — ${machine()} — ${SIZE >> 20} MiB, median of ${RUNS} runs`);
  line('raw udx stream, memory → memory (ceiling)', 'raw-mem');
  line('raw udx stream, disk → disk', 'raw-disk');
  line('encrypted udx stream, memory → memory', 'enc-mem');
  line('payload-file, --insecure session (baseline)', 'file-insecure', `   (offer → verified receipt: ${mb(offer['file-insecure'])} MB/s)`);
  line('payload-file, secure session (default)', 'file', `   (offer → verified receipt: ${mb(offer.file)} MB/s)`);
  console.log(`payload-file data streams: ${[...streams].join('/')}`);
  if (modes.length < ALL.length) return; // the ratios need every mode
  const r = (a, b) => (median(a) / median(b)).toFixed(2);
  const perRun = rate.file.map((x, i) => (x / rate['file-insecure'][i]).toFixed(2)).join(' ');
  console.log(`ratio encrypted / unencrypted payload-file: ${r(rate.file, rate['file-insecure'])} (per run: ${perRun}); offer→receipt ${r(offer.file, offer['file-insecure'])}; CPU per byte ${r(cpu.file, cpu['file-insecure'])}`);
  console.log(`ratio encrypted / raw udx stream, memory → memory: ${r(rate['enc-mem'], rate['raw-mem'])}; CPU per byte ${r(cpu['enc-mem'], cpu['raw-mem'])}`);
  console.log(`ratio payload-file --insecure / raw udx disk → disk: ${r(rate['file-insecure'], rate['raw-disk'])} (goal ≥ 0.9); CPU per byte ${r(cpu['file-insecure'], cpu['raw-disk'])}`);
  console.log(`ratio payload-file (secure) / raw udx disk → disk: ${r(rate.file, rate['raw-disk'])}`);
}

if (process.argv.includes('--receiver')) receiver();
else main();
