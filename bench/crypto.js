'use strict';
// The cost of session security, each figure beside its baseline from the same run:
//  1. per 1200-byte datagram: seal+open (ChaCha20-Poly1305, sealed v2 header, replay window)
//     vs today's v1 encode+decode (header + CRC-32) vs the CRC-32 alone vs a plain copy;
//  2. an IK handshake, both sides, and each side's share of it.
// Streams and datagrams through real sessions against raw udx: bench/session.js.
require('reflect-metadata');
const { generateKeyPairSync, randomBytes } = require('crypto');
const { crc32 } = require('zlib');
const sodium = require('sodium-native');
const { DatagramType, decodeDatagram, encodeDatagram, MAX_DATAGRAM_PAYLOAD, MAX_SEALED_PAYLOAD } = require('@pinhole/core');
const { Ed25519Identity } = require('@pinhole/identity-ed25519');
const { NoiseSessionSecurity } = require('@pinhole/secure-noise');
const { opsPerCpuSec, medianOf, median, machine, fmt } = require('./lib');

const RUNS = Number(process.env.BENCH_RUNS || 5);

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
  }, sides: (n) => handshakeSides(sec, alice, bob, n) };
}

/**
 * CPU per side of an IK handshake, as a call spends it: the caller builds message 1 (the probe),
 * the callee reads it and answers (message 2), the caller reads the answer. Median of n, in ms.
 */
function handshakeSides(sec, alice, bob, n) {
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const phases = { msg1: [], answer: [], msg2: [] };
  for (let k = 0; k < n + 20; k++) {
    const t = cpu();
    const i = sec.initiator({ callId: `bench-${k}`, localEndpoint: 1, remoteEndpoint: 2, identity: alice, remotePublicKey: bob.publicKey });
    void i.message;
    const t1 = cpu();
    const r = sec.responder({ callId: `bench-${k}`, localEndpoint: 2, remoteEndpoint: 1, identity: bob, checkInitiator: () => true });
    const step = r.receive(i.message);
    const t2 = cpu();
    i.receive(step.reply);
    if (!i.result) throw new Error('handshake failed');
    const t3 = cpu();
    if (k < 20) continue; // warm-up
    phases.msg1.push(t1 - t);
    phases.answer.push(t2 - t1);
    phases.msg2.push(t3 - t2);
  }
  return { msg1: median(phases.msg1), answer: median(phases.answer), msg2: median(phases.msg2) };
}

function datagrams() {
  const { a, b, handshake, sides } = sessionPair();
  const v1Payload = randomBytes(MAX_DATAGRAM_PAYLOAD - 1); // + channel byte = 1200-byte datagram
  const v2Payload = randomBytes(MAX_SEALED_PAYLOAD - 1);
  const frame = Buffer.alloc(1200);
  const [aeadKey, aeadNonce, aeadAd] = [randomBytes(32), Buffer.alloc(12), Buffer.alloc(20)];
  const [aeadOut, aeadBack] = [Buffer.alloc(v2Payload.length + 16), Buffer.alloc(v2Payload.length)];
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
    // The AEAD alone (libsodium, no header, window or checks): what the sealed path cannot go below.
    aead: () => {
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt(aeadOut, v2Payload, aeadAd, null, aeadNonce, aeadKey);
      sodium.crypto_aead_chacha20poly1305_ietf_decrypt(aeadBack, null, aeadOut, aeadAd, aeadNonce, aeadKey);
    },
  };
  const r = {};
  for (const [k, fn] of Object.entries(cases)) r[k] = medianOf(RUNS, () => opsPerCpuSec(fn));
  const hs = medianOf(3, () => opsPerCpuSec(handshake, 500));
  const side = sides(200);
  const ns = (ops) => (1e9 / ops).toFixed(0);
  console.log('\nPer 1200-byte datagram, sender + receiver work, per CPU second of this process (median of %d):', RUNS);
  console.log('  plain copy (baseline)              %s/s  %s ns', fmt(r.copy), ns(r.copy));
  console.log('  CRC-32 both ends (baseline)        %s/s  %s ns', fmt(r.crc), ns(r.crc));
  console.log('  v1 encode+decode, header + CRC     %s/s  %s ns   (--insecure)', fmt(r.v1), ns(r.v1));
  console.log('  v2 seal+open, AEAD + replay window %s/s  %s ns   (default)', fmt(r.sealed), ns(r.sealed));
  console.log('  of which the AEAD alone (libsodium) %s/s  %s ns   (%s %% of the sealed path)', fmt(r.aead), ns(r.aead), ((100 * r.sealed) / r.aead).toFixed(0));
  console.log('  cost ratio sealed / v1: %s   sealed / CRC: %s   sealed / copy: %s', (r.v1 / r.sealed).toFixed(2), (r.crc / r.sealed).toFixed(2), (r.copy / r.sealed).toFixed(2));
  console.log('  sealed payload throughput on one core: %s MB/s', ((r.sealed * (MAX_SEALED_PAYLOAD - 1)) / 1e6).toFixed(0));
  console.log('  IK handshake (both sides, no network): %s/s  %s ms', fmt(hs), (1000 / hs).toFixed(2));
  console.log('  IK handshake CPU per side (median of 200): caller builds message 1 %s ms, callee reads it and answers %s ms, caller reads the answer %s ms', side.msg1.toFixed(3), side.answer.toFixed(3), side.msg2.toFixed(3));
}

async function main() {
  console.log(`crypto bench on ${machine()}`);
  datagrams();
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
