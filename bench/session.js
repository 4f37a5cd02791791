'use strict';
// Datagram session throughput on loopback against raw sockets, same run, same sending pattern:
// bursts of BURST datagrams per event-loop turn for DURATION ms; the receiver counts the payload
// bytes that arrive. Every path sends 1200-byte datagrams on the wire:
//   raw dgram, raw udx socket     baselines (a 1200-byte buffer, nothing else)
//   secure session (the default)  sealed v2: ChaCha20-Poly1305 with the 20-byte header as
//                                 associated data, replay window, endpoint-id and source checks,
//                                 channel demux; keys from a real Noise IK handshake (secure-noise)
//   --insecure session            v1 header + CRC-32 (what every session was before issue 10)
// Both ends run in this process, so each figure is limited by one process's CPU: besides the
// wall-clock rate it prints packets per CPU second (user + system of this process), which a
// machine shared with other work distorts less. Runs are interleaved, median of BENCH_RUNS.
// Reliable streams the same way: a session's stream (secure: secret-stream, per-channel keys)
// against a raw udx stream pair, BENCH_STREAM_MIB (32) memory → memory, wall and CPU per GiB.
// BENCH_ONLY=udx,secure,… (dgram udx secure insecure udx-stream secure-stream insecure-stream)
// runs only those paths (for --cpu-prof / callgrind).
require('reflect-metadata');
const dgram = require('dgram');
const { MediaTransportFactory, MAX_SEALED_PAYLOAD, SessionSecurity } = require('@pinhole/core');
const { Host } = require('@pinhole/core/host');
const { median, machine, throwawayIdentity } = require('./lib');

const DURATION = Number(process.env.BENCH_MS || 1500);
const RUNS = Number(process.env.BENCH_RUNS || 5);
const ONLY = process.env.BENCH_ONLY;
const STREAM_MIB = Number(process.env.BENCH_STREAM_MIB || 32);
const BURST = 32;
const WIRE = 1200;
/** The sealed layout's payload (1164 − 1 channel byte): every path puts 1200 bytes on the wire. */
const PAYLOAD = Buffer.alloc(MAX_SEALED_PAYLOAD - 1, 0xab);
const V1_PAYLOAD = Buffer.alloc(WIRE - 16 - 1, 0xab);

/** Sends bursts for DURATION ms; resolves to the number of datagrams sent. */
function pump(sendOne) {
  return new Promise((resolve) => {
    const end = Date.now() + DURATION;
    let sent = 0;
    const loop = () => {
      if (Date.now() >= end) return resolve(sent);
      for (let i = 0; i < BURST; i++) sendOne();
      sent += BURST;
      setImmediate(loop);
    };
    loop();
  });
}

/** Runs one timed transfer: `count()` returns the payload bytes received so far. */
async function timed(send, count) {
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const sent = await pump(send);
  await new Promise((r) => setTimeout(r, 50));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const packets = count() / PAYLOAD.length;
  return { pps: packets / secs, ppcs: packets / ((cpu.user + cpu.system) / 1e6), lost: 1 - packets / sent };
}

async function rawDgramRun() {
  const rx = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
  const tx = dgram.createSocket({ type: 'udp4', sendBufferSize: 1 << 20 });
  await new Promise((r) => rx.bind(0, '127.0.0.1', r));
  await new Promise((r) => tx.bind(0, '127.0.0.1', r));
  let bytes = 0;
  rx.on('message', (m) => (bytes += m.length - (WIRE - PAYLOAD.length))); // the same payload bytes as the session
  const port = rx.address().port;
  const frame = Buffer.alloc(WIRE, 0xab);
  const r = await timed(() => tx.send(frame, port, '127.0.0.1'), () => bytes);
  rx.close();
  tx.close();
  return r;
}

async function rawUdxRun() {
  const UDX = require('udx-native');
  const u = new UDX();
  const rx = u.createSocket();
  const tx = u.createSocket();
  rx.bind(0, '127.0.0.1');
  tx.bind(0, '127.0.0.1');
  rx.setRecvBufferSize(1 << 20);
  tx.setSendBufferSize(1 << 20);
  let bytes = 0;
  rx.on('message', (m) => (bytes += m.length - (WIRE - PAYLOAD.length)));
  const port = rx.address().port;
  const frame = Buffer.alloc(WIRE, 0xab);
  const r = await timed(() => tx.trySend(frame, port, '127.0.0.1'), () => bytes);
  await rx.close();
  await tx.close();
  return r;
}

/** A real IK handshake between two throw-away identities, messages passed in memory. */
function handshake(security, callId) {
  const [alice, bob] = [throwawayIdentity('alice'), throwawayIdentity('bob')];
  const ini = security.initiator({ callId, localEndpoint: 1, remoteEndpoint: 2, identity: alice, remotePublicKey: bob.publicKey });
  const res = security.responder({ callId, localEndpoint: 2, remoteEndpoint: 1, identity: bob, checkInitiator: () => true });
  const step = res.receive(ini.message);
  ini.receive(step.reply);
  return { caller: ini.result, callee: step.result };
}

/** Two sessions on loopback (caller a, callee b), secure (a real IK handshake) or --insecure. */
async function sessionPair(host, secure) {
  const f = await host.services.load(MediaTransportFactory);
  const a = await f.create({ host: '127.0.0.1' });
  const b = await f.create({ host: '127.0.0.1' });
  const addr = (t) => ({ address: '127.0.0.1', port: t.socket.localPort });
  const callId = `bench-${Math.random()}`;
  const hs = secure ? handshake(await host.services.load(SessionSecurity), callId) : {};
  const opts = { callId, keepaliveMs: 0, insecure: !secure };
  const as = await a.openSession({ ...opts, role: 'caller', localEndpoint: 1, remoteEndpoint: 2, remote: addr(b), handshake: hs.caller });
  const bs = await b.openSession({ ...opts, role: 'callee', localEndpoint: 2, remoteEndpoint: 1, remote: addr(a), handshake: hs.callee });
  if (as.secure !== secure || bs.secure !== secure) throw new Error('session protection is not what the bench asked for');
  return { as, bs, close: async () => (await a.close(), await b.close()) };
}

async function sessionRun(host, secure) {
  const { as, bs, close } = await sessionPair(host, secure);
  const tx = await as.openStream('bench');
  const rx = await bs.openStream('bench');
  let bytes = 0;
  rx.onPayload((p) => (bytes += p.length));
  const payload = secure ? PAYLOAD : V1_PAYLOAD;
  // v1 carries 1183 payload bytes per 1200-byte datagram: count datagrams as PAYLOAD-sized units.
  const r = await timed(() => tx.send(payload), () => (bytes / payload.length) * PAYLOAD.length);
  await close();
  return r;
}

/** STREAM_MIB from `w` to `r`, 64 KiB writes honouring drain; MB/s (wall) and CPU-s per GiB of this process. */
async function streamTransfer(w, r) {
  const total = STREAM_MIB << 20;
  const chunk = Buffer.alloc(64 * 1024, 0xab);
  let got = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const done = new Promise((resolve, reject) => {
    r.on('data', (c) => (got += c.length));
    r.once('end', resolve);
    r.once('error', reject);
  });
  for (let sent = 0; sent < total; sent += chunk.length) if (!w.write(chunk)) await new Promise((res) => w.once('drain', res));
  w.end();
  await done;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  if (got !== total) throw new Error(`received ${got} of ${total}`);
  return { mbps: total / secs / 1e6, cpuPerGiB: (cpu.user + cpu.system) / 1e6 / (total / 2 ** 30) };
}

/** Baseline stream: two raw udx sockets and a udx stream pair, nothing else. */
async function rawStreamRun() {
  const UDX = require('udx-native');
  const u = new UDX();
  const [sa, sb] = [u.createSocket(), u.createSocket()];
  sa.bind(0, '127.0.0.1');
  sb.bind(0, '127.0.0.1');
  const [ra, rb] = [u.createStream(1), u.createStream(2)];
  ra.connect(sa, 2, sb.address().port, '127.0.0.1');
  rb.connect(sb, 1, sa.address().port, '127.0.0.1');
  const r = await streamTransfer(ra, rb);
  ra.destroy();
  rb.destroy();
  await sa.close();
  await sb.close();
  return r;
}

/** A session's reliable stream (secure: secret-stream with per-channel keys from the handshake). */
async function sessionStreamRun(host, secure) {
  const { as, bs, close } = await sessionPair(host, secure);
  // Both ends latch the path first, as a call does before opening streams.
  as.send(Buffer.from('hi'));
  bs.send(Buffer.from('hi'));
  await Promise.all([as.firstDatagram(2000), bs.firstDatagram(2000)]);
  const r = await streamTransfer(as.openReliableStream(1), bs.openReliableStream(1));
  await close();
  return r;
}

(async () => {
  const host = new Host({ config: { log: { level: 'silent' } } });
  await host.plugins.activate('media-udp');
  await host.plugins.activate('secure-noise');
  const paths = {
    dgram: () => rawDgramRun(),
    udx: () => rawUdxRun(),
    secure: () => sessionRun(host, true),
    insecure: () => sessionRun(host, false),
    'udx-stream': () => rawStreamRun(),
    'secure-stream': () => sessionStreamRun(host, true),
    'insecure-stream': () => sessionStreamRun(host, false),
  };
  const names = ONLY ? ONLY.split(',') : Object.keys(paths);
  const got = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < RUNS; i++) for (const n of names) got[n].push(await paths[n]());
  await host.dispose();
  const dgrams = names.filter((n) => !n.endsWith('-stream'));
  const streams = names.filter((n) => n.endsWith('-stream'));
  const pps = (n) => median(got[n].map((x) => x.pps));
  const ppcs = (n) => median(got[n].map((x) => x.ppcs));
  const label = {
    dgram: 'raw dgram (baseline)',
    udx: 'raw udx socket (baseline)',
    secure: 'secure session (sealed v2)',
    insecure: '--insecure session (v1+CRC)',
    'udx-stream': 'raw udx stream (baseline)',
    'secure-stream': 'secure session stream',
    'insecure-stream': '--insecure session stream',
  };
  if (dgrams.length) {
    console.log(`# datagram session throughput (loopback, ${WIRE}-byte datagrams) — ${machine()} — median of ${RUNS} runs of ${DURATION} ms`);
    console.log(`#                              MB/s     kpps   kpkts per CPU-s   lost   runs (kpps)`);
    for (const n of dgrams) {
      const list = got[n].map((x) => (x.pps / 1e3).toFixed(0)).join(' ');
      console.log(`${label[n].padEnd(29)} ${((pps(n) * PAYLOAD.length) / 1e6).toFixed(1).padStart(6)}  ${(pps(n) / 1e3).toFixed(1).padStart(7)}  ${(ppcs(n) / 1e3).toFixed(1).padStart(10)}   ${(100 * median(got[n].map((x) => x.lost))).toFixed(1).padStart(4)}%   [${list}]`);
    }
  }
  if (got.udx && got.secure) {
    const ratios = got.secure.map((s, i) => (s.pps / got.udx[i].pps).toFixed(2)).join(' ');
    console.log(`ratio secure session / raw udx: ${(pps('secure') / pps('udx')).toFixed(2)} (per run: ${ratios}); per CPU second: ${(ppcs('secure') / ppcs('udx')).toFixed(2)}   (goal ≥ 0.8)`);
  }
  if (got.udx && got.insecure) console.log(`ratio --insecure session / raw udx: ${(pps('insecure') / pps('udx')).toFixed(2)}; per CPU second: ${(ppcs('insecure') / ppcs('udx')).toFixed(2)}`);
  if (got.dgram && got.secure) console.log(`ratio secure session / raw dgram: ${(pps('secure') / pps('dgram')).toFixed(2)}`);
  if (streams.length) {
    const mb = (n) => median(got[n].map((x) => x.mbps));
    const cpu = (n) => median(got[n].map((x) => x.cpuPerGiB));
    console.log(`# reliable stream, ${STREAM_MIB} MiB memory → memory over loopback, both ends in this process — median of ${RUNS}`);
    for (const n of streams) console.log(`${label[n].padEnd(29)} ${mb(n).toFixed(1).padStart(6)} MB/s  ${cpu(n).toFixed(2)} CPU-s/GiB   [${got[n].map((x) => x.mbps.toFixed(0)).join(' ')}]`);
    for (const n of ['secure-stream', 'insecure-stream'])
      if (got[n] && got['udx-stream']) console.log(`ratio ${label[n]} / raw udx stream: throughput ${(mb(n) / mb('udx-stream')).toFixed(2)}, CPU per byte ${(cpu(n) / cpu('udx-stream')).toFixed(2)}${n.startsWith('secure') ? '   (goal ≥ 0.8)' : ''}`);
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
