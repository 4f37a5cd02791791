'use strict';
// Shared helpers for benchmarks: repeat a measurement, report the median, keep the machine's name.
const net = require('net');
const os = require('os');

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

function fmt(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(1);
}

/**
 * A raw protocol client for manager benches: frames in, decoded envelopes out, awaitable by kind.
 * `localAddress` spreads many short connections over loopback source addresses (127.0.0.x).
 */
function client(port, localAddress) {
  const { decodeControl, encodeControl, encodeFrame, FrameDecoder } = require('@pinhole/core');
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress });
    s.setNoDelay(true); // as the real client does
    const dec = new FrameDecoder();
    const inbox = [];
    let wake = null;
    s.on('data', (c) => {
      for (const f of dec.push(c)) inbox.push(decodeControl(f));
      if (wake) wake();
    });
    s.on('error', reject);
    s.once('connect', () =>
      resolve({
        socket: s,
        send: (env) => s.write(encodeFrame(encodeControl(env))),
        async next(kind) {
          for (;;) {
            const i = inbox.findIndex((m) => m.kind === kind);
            if (i >= 0) return inbox.splice(i, 1)[0];
            const other = inbox.find((m) => m.kind === 'error');
            if (other) throw new Error(`${other.error.code}: ${other.error.message}`);
            await new Promise((r) => (wake = r));
          }
        },
      }),
    );
  });
}

/** Runs fn(0 … n-1) with `concurrency` in flight. */
async function inBatches(n, concurrency, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await fn(next++);
  }));
}

/**
 * Protocol 2 registration on a raw client: opening Hello, the manager's Hello nonce, then a
 * Register signed by a fresh Ed25519 key over registrationDigest (what identity-ed25519 does).
 */
async function registerSigned(c, peerId, candidate = { address: '10.0.0.1', port: 40000, kind: 0 }) {
  const { generateKeyPairSync, sign } = require('crypto');
  const { registrationDigest, fromCandidateMsg, fromPolicyMsg, CONTROL_PROTOCOL_VERSION } = require('@pinhole/core');
  c.send({ hello: { protocolVersion: CONTROL_PROTOCOL_VERSION, nonce: new Uint8Array(0) } });
  const nonce = (await c.next('hello')).hello.nonce;
  const pair = generateKeyPairSync('ed25519');
  const publicKey = new Uint8Array(Buffer.from(pair.publicKey.export({ format: 'jwk' }).x, 'base64url'));
  const policy = { mode: 2, allow: [], optimistic: false };
  const msg = { peerId, protocolVersion: CONTROL_PROTOCOL_VERSION, candidates: [candidate], publicKey, policy };
  const registration = { peerId, protocolVersion: msg.protocolVersion, candidates: msg.candidates.map(fromCandidateMsg), payloadTypes: [], meta: {}, identity: { publicKey }, policy: fromPolicyMsg(policy) };
  msg.signature = new Uint8Array(sign(null, registrationDigest(nonce, registration), pair.privateKey));
  c.send({ register: msg });
  return c.next('registered');
}

module.exports = { opsPerSec, opsPerCpuSec, median, medianOf, machine, fmt, client, inBatches, registerSigned };
