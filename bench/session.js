'use strict';
// Datagram session throughput on loopback vs raw dgram, same run, same sending pattern:
// bursts of BURST datagrams of 1184-byte payload per event-loop turn for DURATION ms; the
// receiver counts what arrives. The session path adds the Figure 8 header, CRC, endpoint-id and
// source validation, and the channel demux. Reports receive rate (MB/s, kpps) and the ratio.
require('reflect-metadata');
const dgram = require('dgram');
const { MediaTransportFactory, MAX_DATAGRAM_PAYLOAD } = require('@pinhole/core');
const { Host } = require('@pinhole/core/host');
const { median, machine } = require('./lib');

const DURATION = Number(process.env.BENCH_MS || 1500);
const RUNS = Number(process.env.BENCH_RUNS || 5);
const BURST = 32;
const PAYLOAD = Buffer.alloc(MAX_DATAGRAM_PAYLOAD - 1, 0xab); // -1: the stream channel byte

function pump(sendOne) {
  return new Promise((resolve) => {
    const end = Date.now() + DURATION;
    const loop = () => {
      if (Date.now() >= end) return resolve();
      for (let i = 0; i < BURST; i++) sendOne();
      setImmediate(loop);
    };
    loop();
  });
}

async function rawRun() {
  const rx = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
  const tx = dgram.createSocket({ type: 'udp4', sendBufferSize: 1 << 20 });
  await new Promise((r) => rx.bind(0, '127.0.0.1', r));
  await new Promise((r) => tx.bind(0, '127.0.0.1', r));
  let bytes = 0;
  rx.on('message', (m) => (bytes += m.length - 17)); // count the same payload bytes as the session
  const port = rx.address().port;
  const frame = Buffer.alloc(PAYLOAD.length + 17, 0xab);
  const t0 = process.hrtime.bigint();
  await pump(() => tx.send(frame, port, '127.0.0.1'));
  await new Promise((r) => setTimeout(r, 50));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  rx.close();
  tx.close();
  return bytes / secs;
}

async function rawUdxRun() {
  const UDX = require('udx-native');
  const u = new UDX();
  const rx = u.createSocket();
  const tx = u.createSocket();
  rx.bind(0, '127.0.0.1');
  tx.bind(0, '127.0.0.1');
  let bytes = 0;
  rx.on('message', (m) => (bytes += m.length - 17));
  const port = rx.address().port;
  const frame = Buffer.alloc(PAYLOAD.length + 17, 0xab);
  const t0 = process.hrtime.bigint();
  await pump(() => tx.trySend(frame, port, '127.0.0.1'));
  await new Promise((r) => setTimeout(r, 50));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await rx.close();
  await tx.close();
  return bytes / secs;
}

async function sessionRun(host) {
  const f = await host.services.load(MediaTransportFactory);
  const a = await f.create({ host: '127.0.0.1' });
  const b = await f.create({ host: '127.0.0.1' });
  const addr = (t) => ({ address: '127.0.0.1', port: t.socket.localPort });
  const as = a.openSession({ callId: 'b', role: 'caller', localEndpoint: 1, remoteEndpoint: 2, remote: addr(b), keepaliveMs: 0 });
  const bs = b.openSession({ callId: 'b', role: 'callee', localEndpoint: 2, remoteEndpoint: 1, remote: addr(a), keepaliveMs: 0 });
  const tx = await as.openStream('bench');
  const rx = await bs.openStream('bench');
  let bytes = 0;
  rx.onPayload((p) => (bytes += p.length));
  const t0 = process.hrtime.bigint();
  await pump(() => tx.send(PAYLOAD));
  await new Promise((r) => setTimeout(r, 50));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await a.close();
  await b.close();
  return bytes / secs;
}

(async () => {
  const host = new Host({ config: { log: { level: 'silent' } } });
  await host.plugins.activate('media-udp');
  const raw = [];
  const udx = [];
  const ses = [];
  for (let i = 0; i < RUNS; i++) {
    raw.push(await rawRun());
    udx.push(await rawUdxRun());
    ses.push(await sessionRun(host));
  }
  await host.dispose();
  const mb = (x) => (x / 1e6).toFixed(1);
  const kpps = (x) => (x / PAYLOAD.length / 1e3).toFixed(1);
  console.log(`# datagram session throughput (loopback) — ${machine()} — median of ${RUNS} runs of ${DURATION} ms`);
  console.log(`raw dgram (baseline)      ${mb(median(raw)).padStart(7)} MB/s  ${kpps(median(raw)).padStart(6)} kpps`);
  console.log(`raw udx socket (baseline) ${mb(median(udx)).padStart(7)} MB/s  ${kpps(median(udx)).padStart(6)} kpps`);
  console.log(`pinhole datagram session  ${mb(median(ses)).padStart(7)} MB/s  ${kpps(median(ses)).padStart(6)} kpps  (on a udx socket)`);
  console.log(`ratio session/raw dgram: ${(median(ses) / median(raw)).toFixed(2)}   session/raw udx socket: ${(median(ses) / median(udx)).toFixed(2)}`);
})();
