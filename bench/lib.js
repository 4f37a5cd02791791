'use strict';
// Shared helpers for benchmarks: repeat a measurement, report the median, keep the machine's name.
const { createHash, generateKeyPairSync, sign } = require('crypto');
const net = require('net');
const os = require('os');
const tls = require('tls');

/** Runs fn for ~ms milliseconds, returns operations per second. */
function opsPerSec(fn, ms = 300) {
  for (let i = 0; i < 2000; i++) fn(); // warm up JIT
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1000000n;
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
    elapsed = process.hrtime.bigint() - start;
  }
  return n / (Number(elapsed) / 1e9);
}

/**
 * Like opsPerSec, but per second of this process's CPU time (user + system), so a machine shared
 * with other work slows the figure far less than wall-clock time would.
 */
function opsPerCpuSec(fn, ms = 300) {
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  const start = process.cpuUsage();
  const wallEnd = Date.now() + ms * 4;
  let cpu = 0;
  while (cpu < ms * 1000 && Date.now() < wallEnd) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
    const u = process.cpuUsage(start);
    cpu = u.user + u.system;
  }
  return n / (cpu / 1e6);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median of `runs` measurements of fn. */
function medianOf(runs, measure) {
  const xs = [];
  for (let i = 0; i < runs; i++) xs.push(measure());
  return median(xs);
}

function machine() {
  return `${os.cpus()[0].model.trim()} ×${os.cpus().length}, node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** utime + stime of another process in ms, from /proc (clock ticks are 10 ms). */
function cpuMs(pid) {
  const f = require('fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function fmt(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(1);
}

/**
 * A raw protocol client for manager benches: frames in, decoded envelopes out, awaitable by kind.
 * `localAddress` spreads many short connections over loopback source addresses (127.0.0.x).
 * With `pin` (the manager's `sha256:SPKI-HASH`, as manager.ready reports it) the client speaks
 * TLS, as a real peer does by default, and refuses any other certificate; else plain TCP.
 */
function client(port, { localAddress, pin } = {}) {
  const { decodeControl, encodeControl, encodeFrame, FrameDecoder } = require('@pinhole/core');
  return new Promise((resolve, reject) => {
    const s = pin ? tls.connect({ port, host: '127.0.0.1', localAddress, rejectUnauthorized: false }) : net.connect({ port, host: '127.0.0.1', localAddress });
    s.setNoDelay(true); // as the real client does
    const dec = new FrameDecoder();
    const inbox = [];
    let wake = null;
    s.on('data', (c) => {
      for (const f of dec.push(c)) inbox.push(decodeControl(f));
      if (wake) wake();
    });
    let closed = false;
    s.on('error', reject);
    s.once('close', () => {
      closed = true;
      if (wake) wake();
    });
    s.once(pin ? 'secureConnect' : 'connect', () => {
      if (pin) {
        const spki = createHash('sha256').update(s.getPeerX509Certificate().publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
        if (`sha256:${spki}` !== pin) return reject(new Error(`manager certificate sha256:${spki} is not the pinned ${pin}`));
      }
      resolve({
        socket: s,
        send: (env) => s.write(encodeFrame(encodeControl(env))),
        async next(kind) {
          for (;;) {
            const i = inbox.findIndex((m) => m.kind === kind);
            if (i >= 0) return inbox.splice(i, 1)[0];
            const other = inbox.find((m) => m.kind === 'error');
            if (other) throw new Error(`${other.error.code}: ${other.error.message}`);
            if (closed) throw new Error(`the manager closed the connection while a ${kind} was awaited`);
            await new Promise((r) => (wake = r));
          }
        },
      });
    });
  });
}

/** Runs fn(0 … n-1) with `concurrency` in flight. */
async function inBatches(n, concurrency, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await fn(next++);
  }));
}

/** An Ed25519 key as a raw client uses it: raw public key bytes and a signer (make them before timing). */
function signingKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { publicKey: new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url')), sign: (m) => new Uint8Array(sign(null, m, privateKey)) };
}

/**
 * Protocol 2 registration on a raw client: opening Hello, the manager's Hello nonce, then a
 * Register signed over registrationDigest (what identity-ed25519 does) by `key` (default: a fresh
 * one, made here). The policy is `any` (the bench callee takes every caller).
 */
async function registerSigned(c, peerId, { candidate = { address: '10.0.0.1', port: 40000, kind: 0 }, key = signingKey() } = {}) {
  const { registrationDigest, fromCandidateMsg, fromPolicyMsg, CONTROL_PROTOCOL_VERSION } = require('@pinhole/core');
  c.send({ hello: { protocolVersion: CONTROL_PROTOCOL_VERSION, nonce: new Uint8Array(0) } });
  const nonce = (await c.next('hello')).hello.nonce;
  const { publicKey } = key;
  const policy = { mode: 2, allow: [], optimistic: false };
  const msg = { peerId, protocolVersion: CONTROL_PROTOCOL_VERSION, candidates: [candidate], publicKey, policy };
  const registration = { peerId, protocolVersion: msg.protocolVersion, candidates: msg.candidates.map(fromCandidateMsg), payloadTypes: [], meta: {}, identity: { publicKey }, policy: fromPolicyMsg(policy) };
  msg.signature = key.sign(registrationDigest(nonce, registration));
  c.send({ register: msg });
  return c.next('registered');
}

/** A throw-away Ed25519 identity, in memory only (benchmarks key real Noise handshakes with it). */
function throwawayIdentity(name = 'bench') {
  const { Ed25519Identity } = require('@pinhole/identity-ed25519');
  return new Ed25519Identity(generateKeyPairSync('ed25519').privateKey, name);
}

module.exports = { opsPerSec, opsPerCpuSec, median, medianOf, machine, fmt, cpuMs, client, inBatches, signingKey, registerSigned, throwawayIdentity };
