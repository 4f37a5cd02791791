'use strict';
// The cost of session security, each figure beside its baseline from the same run:
//  1. per 1200-byte datagram: seal+open (ChaCha20-Poly1305, sealed v2 header, replay window)
//     vs today's v1 encode+decode (header + CRC-32) vs the CRC-32 alone vs a plain copy;
//  2. encrypted reliable stream (secret-stream with per-channel keys) vs the raw udx stream,
//     memory → memory over loopback, sender and receiver in this one process.
require('reflect-metadata');
const { generateKeyPairSync, randomBytes } = require('crypto');
const { crc32 } = require('zlib');
const { DatagramType, decodeDatagram, encodeDatagram, MAX_DATAGRAM_PAYLOAD, MAX_SEALED_PAYLOAD } = require('@pinhole/core');
const { Ed25519Identity } = require('@pinhole/identity-ed25519');
const { NoiseSessionSecurity } = require('@pinhole/secure-noise');
const { opsPerCpuSec, medianOf, median, machine, fmt } = require('./lib');

const RUNS = Number(process.env.BENCH_RUNS || 5);
const STREAM_MIB = Number(process.env.BENCH_STREAM_MIB || 64);

function sessionPair() {
  const sec = new NoiseSessionSecurity();
  const id = () => new Ed25519Identity(generateKeyPairSync('ed25519').privateKey, 'bench');
  const alice = id();
  const bob = id();
  const ini = sec.initiator({ callId: 'bench', localEndpoint: 1, remoteEndpoint: 2, identity: alice, remotePublicKey: bob.publicKey });
  const res = sec.responder({ callId: 'bench', localEndpoint: 2, remoteEndpoint: 1, identity: bob, checkInitiator: () => true });
  ini.receive(res.receive(ini.message).reply);
  return { a: sec.protect(ini.result), b: sec.protect(res.result), handshake: () => {
    const i = sec.initiator({ callId: 'bench', localEndpoint: 1, remoteEndpoint: 2, identity: alice, remotePublicKey: bob.publicKey });
    const r = sec.responder({ callId: 'bench', localEndpoint: 2, remoteEndpoint: 1, identity: bob, checkInitiator: () => true });
    i.receive(r.receive(i.message).reply);
  } };
}

function datagrams() {
  const { a, b, handshake } = sessionPair();
  const v1Payload = randomBytes(MAX_DATAGRAM_PAYLOAD - 1); // + channel byte = 1200-byte datagram
  const v2Payload = randomBytes(MAX_SEALED_PAYLOAD - 1);
  const frame = Buffer.alloc(1200);
  const cases = {
    copy: () => {
      const out = Buffer.allocUnsafe(1200);
      out.set(v1Payload, 17);
      return out.subarray(17);
    },
    crc: () => crc32(frame) ^ crc32(frame), // sender computes, receiver checks
    v1: () => decodeDatagram(encodeDatagram(DatagramType.DATA, 1, 2, v1Payload, 7)),
    sealed: () => {
      const o = b.datagrams.open(a.datagrams.seal(DatagramType.DATA, v2Payload, 7));
      if (!o.ok) throw new Error(`open failed: ${o.reason}`);
    },
  };
  const r = {};
  for (const [k, fn] of Object.entries(cases)) r[k] = medianOf(RUNS, () => opsPerCpuSec(fn));
  const hs = medianOf(3, () => opsPerCpuSec(handshake, 500));
  const ns = (ops) => (1e9 / ops).toFixed(0);
  console.log('\nPer 1200-byte datagram, sender + receiver work, per CPU second of this process (median of %d):', RUNS);
  console.log('  plain copy (baseline)              %s/s  %s ns', fmt(r.copy), ns(r.copy));
  console.log('  CRC-32 both ends (baseline)        %s/s  %s ns', fmt(r.crc), ns(r.crc));
  console.log('  v1 encode+decode, header + CRC     %s/s  %s ns   (today)', fmt(r.v1), ns(r.v1));
  console.log('  v2 seal+open, AEAD + replay window %s/s  %s ns', fmt(r.sealed), ns(r.sealed));
  console.log('  cost ratio sealed / v1: %s   sealed / CRC: %s   sealed / copy: %s', (r.v1 / r.sealed).toFixed(2), (r.crc / r.sealed).toFixed(2), (r.copy / r.sealed).toFixed(2));
  console.log('  sealed payload throughput on one core: %s MB/s', ((r.sealed * (MAX_SEALED_PAYLOAD - 1)) / 1e6).toFixed(0));
  console.log('  IK handshake (both sides, no network): %s/s  %s ms', fmt(hs), (1000 / hs).toFixed(2));
}

async function streamRun(secure) {
  const UDX = require('udx-native');
  const u = new UDX();
  const sa = u.createSocket();
  const sb = u.createSocket();
  sa.bind(0, '127.0.0.1');
  sb.bind(0, '127.0.0.1');
  const ra = u.createStream(1);
  const rb = u.createStream(2);
  ra.connect(sa, 2, sb.address().port, '127.0.0.1');
  rb.connect(sb, 1, sa.address().port, '127.0.0.1');
  let w = ra;
  let r = rb;
  if (secure) {
    const { a, b } = sessionPair();
    w = a.protectStream(ra, 1);
    r = b.protectStream(rb, 1);
  }
  const total = STREAM_MIB << 20;
  const chunk = randomBytes(64 * 1024);
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
  ra.destroy();
  rb.destroy();
  await sa.close();
  await sb.close();
  return { mbps: total / secs / 1e6, cpuPerGiB: (cpu.user + cpu.system) / 1e6 / (total / 2 ** 30) };
}

async function streams() {
  const raw = [];
  const enc = [];
  for (let i = 0; i < 3; i++) {
    raw.push(await streamRun(false));
    enc.push(await streamRun(true));
  }
  const mb = (xs) => median(xs.map((x) => x.mbps));
  const cpu = (xs) => median(xs.map((x) => x.cpuPerGiB));
  const list = (xs) => xs.map((x) => x.mbps.toFixed(1)).join(', ');
  console.log('\nReliable stream, %d MiB memory → memory over loopback udx, both ends in this process (median of 3, alternating):', STREAM_MIB);
  console.log('  raw udx stream (baseline)   %s MB/s [%s]   %s CPU-s/GiB', mb(raw).toFixed(1), list(raw), cpu(raw).toFixed(2));
  console.log('  encrypted (secret-stream)   %s MB/s [%s]   %s CPU-s/GiB', mb(enc).toFixed(1), list(enc), cpu(enc).toFixed(2));
  console.log('  ratio: throughput %s, CPU per byte %s', (mb(enc) / mb(raw)).toFixed(2), (cpu(enc) / cpu(raw)).toFixed(2));
}

async function main() {
  console.log(`crypto bench on ${machine()}`);
  datagrams();
  await streams();
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
