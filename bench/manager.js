'use strict';
// The manager under load: registrations/s, call-control round trips/s, and resident memory per
// registered peer with N (default 10,000) concurrent registered clients. The manager runs as
// `pinhole manager` in its own process; clients speak the raw protocol from this one, as a real
// client does: TLS (the default; the self-signed certificate is pinned from manager.ready), the
// client's opening frame, the manager's Hello nonce, a Register signed with the peer's Ed25519
// key over that nonce (keys are made before the clock starts). A second manager started with
// --insecure (plain TCP) shows what TLS costs apart from the Hello round trip and the signature.
// Baseline in the same run: a bare TCP echo server (also its own process) doing the same
// connects and round trips. Usage: node bench/manager.js [peers=10000]
require('reflect-metadata');
const { spawn } = require('child_process');
const { createHash, generateKeyPairSync, sign } = require('crypto');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const tls = require('tls');
const { encodeControl, decodeControl, encodeFrame, fromCandidateMsg, fromPolicyMsg, FrameDecoder, registrationDigest } = require('@pinhole/core');
const { PROTOCOL_VERSION } = require('@pinhole/manager-server');
const { NdjsonProc } = require('@pinhole/lab');
const { machine } = require('./lib');

const PEERS = Number(process.argv[2] || 10000);
const CONCURRENCY = 200;
const BIN = path.resolve(__dirname, '..', 'core', 'bin', 'pinhole.js');
/** CallPolicy mode `any` on the wire: the bench callee takes every caller. */
const ANY = { mode: 2 };

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** An Ed25519 key as a raw client uses it: raw public key bytes and a signer. */
function makeKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { publicKey: new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url')), sign: (m) => new Uint8Array(sign(null, m, privateKey)) };
}

/**
 * A raw protocol client: TLS (pinned to `pin`, the SHA-256 of the manager's SubjectPublicKeyInfo)
 * or plain TCP, the opening frame sent; frames in, decoded envelopes out, awaitable by kind.
 */
function client(port, pin) {
  return new Promise((resolve, reject) => {
    const s = pin ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect(port, '127.0.0.1');
    s.setNoDelay(true); // as the real client does
    const dec = new FrameDecoder();
    const inbox = [];
    let wake = null;
    s.on('data', (c) => {
      for (const f of dec.push(c)) inbox.push(decodeControl(f));
      if (wake) wake();
    });
    s.on('error', reject);
    s.once(pin ? 'secureConnect' : 'connect', () => {
      if (pin) {
        const spki = createHash('sha256').update(s.getPeerX509Certificate().publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
        if (`sha256:${spki}` !== pin) return reject(new Error(`manager certificate ${spki} is not the pinned ${pin}`));
      }
      const c = {
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
        /** Hello nonce → Register signed over it → Registered. */
        async register(peerId, key, fields) {
          const nonce = (await c.next('hello')).hello.nonce;
          const msg = { peerId, protocolVersion: PROTOCOL_VERSION, publicKey: key.publicKey, ...fields };
          const registration = { peerId, protocolVersion: PROTOCOL_VERSION, candidates: msg.candidates.map(fromCandidateMsg), payloadTypes: [], meta: {}, identity: { publicKey: key.publicKey }, policy: fromPolicyMsg(msg.policy) };
          msg.signature = key.sign(registrationDigest(nonce, registration));
          c.send({ register: msg });
          return c.next('registered');
        },
      };
      // What a real client sends first on raw TCP (the port sniffs, then the manager says Hello).
      c.send({ hello: { protocolVersion: PROTOCOL_VERSION, nonce: new Uint8Array(0) } });
      resolve(c);
    });
  });
}

async function inBatches(n, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function startEcho() {
  const child = spawn(process.execPath, ['-e', `
    const net = require('net');
    const srv = net.createServer((s) => { s.setNoDelay(true); s.on('data', (d) => s.write(d)); });
    srv.maxConnections = 1e6;
    srv.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ event: 'ready', port: srv.address().port })));
  `], { stdio: ['ignore', 'pipe', 'pipe'] });
  const p = new NdjsonProc(child);
  return { proc: p, port: (await p.waitFor('ready', 5000)).port };
}

async function echoOnce(c, bytes) {
  return new Promise((resolve) => {
    let got = 0;
    const on = (d) => {
      got += d.length;
      if (got >= bytes.length) {
        c.removeListener('data', on);
        resolve();
      }
    };
    c.on('data', on);
    c.write(bytes);
  });
}

/** `pinhole manager` in its own process and its own PINHOLE_HOME (the self-signed certificate goes there). */
async function startManager(home, insecure) {
  const cfg = path.join(home, 'pinhole.config.json');
  fs.writeFileSync(cfg, JSON.stringify({ plugins: { 'manager-server': { options: { limits: { maxConnectionsPerAddress: PEERS + 1000, messagesPerSecondPerConnection: 100000 }, maxCallsPerPeer: 1000, callsPerSecondPerPeer: 100000 } } } }));
  const args = [BIN, 'manager', '--listen', '127.0.0.1:0', '--udp', '127.0.0.1:0', '--json', '--config', cfg, ...(insecure ? ['--insecure'] : [])];
  const proc = new NdjsonProc(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PINHOLE_HOME: home } }));
  const ready = await proc.waitFor('manager.ready', 20000);
  return { proc, port: Number(String(ready.tcp).split(':').pop()), pin: ready.pin };
}

/** Registrations/s, memory per peer and call-control sequences/s against one manager. */
async function measure(manager, keys) {
  const out = {};
  const rss0 = rssKb(manager.proc.child.pid);
  const clients = [];
  const t0 = process.hrtime.bigint();
  await inBatches(PEERS, async (i) => {
    const c = await client(manager.port, manager.pin);
    await c.register(`peer-${String(i).padStart(6, '0')}`, keys[i], { candidates: [{ address: '10.0.0.1', port: 40000 + (i % 20000), kind: 0 }] });
    clients.push(c);
  });
  out.regPerSec = PEERS / (Number(process.hrtime.bigint() - t0) / 1e9);
  await sleep(1500);
  out.bytesPerPeer = ((rssKb(manager.proc.child.pid) - rss0) * 1024) / PEERS;

  // Call control: CallRequest → OpenWindow → WindowOpened → Ready → Hangup, sequential.
  const a = await client(manager.port, manager.pin);
  const b = await client(manager.port, manager.pin);
  await a.register('bench-a', makeKey(), { candidates: [{ address: '10.0.0.2', port: 1, kind: 0 }] });
  await b.register('bench-b', makeKey(), { candidates: [{ address: '10.0.0.3', port: 1, kind: 0 }], policy: ANY });
  const call = async (i) => {
    const callId = `c${i}`;
    a.send({ callRequest: { callId, calleeId: 'bench-b' } });
    await b.next('openWindow');
    b.send({ windowOpened: { callId, nullPackets: 1 } });
    await a.next('ready');
    a.send({ hangup: { callId, reason: 'bench' } });
    await b.next('hangup');
  };
  for (let i = 0; i < 200; i++) await call(`w${i}`);
  let n = 0;
  const t1 = process.hrtime.bigint();
  const end = Date.now() + 3000;
  while (Date.now() < end) await call(n++);
  out.callsPerSec = n / (Number(process.hrtime.bigint() - t1) / 1e9);
  for (const c of [...clients, a, b]) c.socket.destroy();
  return out;
}

(async () => {
  const homes = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-bench-'));
  const echo = await startEcho();
  const regFrame = encodeFrame(encodeControl({ register: { peerId: 'x'.repeat(12), protocolVersion: PROTOCOL_VERSION, candidates: [{ address: '10.0.0.1', port: 40000, kind: 0 }] } }));
  const keys = Array.from({ length: PEERS }, makeKey);
  const out = {};
  const managers = [];
  try {
    // Baseline: connect + one request/response of the same size, same concurrency.
    const echoConns = [];
    let t0 = process.hrtime.bigint();
    await inBatches(PEERS, async () => {
      const s = net.connect(echo.port, '127.0.0.1');
      await new Promise((r) => s.once('connect', r));
      await echoOnce(s, regFrame);
      echoConns.push(s);
    });
    out.echoConnPerSec = PEERS / (Number(process.hrtime.bigint() - t0) / 1e9);
    for (const s of echoConns) s.destroy();

    for (const insecure of [false, true]) {
      const home = path.join(homes, insecure ? 'insecure' : 'tls');
      fs.mkdirSync(home);
      const m = await startManager(home, insecure);
      managers.push(m);
      await sleep(500);
      out[insecure ? 'insecure' : 'tls'] = await measure(m, keys);
      await m.proc.stop();
    }

    // Baseline for a call: its 3 sequential manager hops ≈ 2 TCP round trips (A→M→B→M→A) + hangup.
    const e = net.connect(echo.port, '127.0.0.1');
    e.setNoDelay(true);
    await new Promise((r) => e.once('connect', r));
    const small = Buffer.alloc(64, 1);
    let m = 0;
    t0 = process.hrtime.bigint();
    const end2 = Date.now() + 3000;
    while (Date.now() < end2) {
      await echoOnce(e, small);
      m++;
    }
    out.echoRttPerSec = m / (Number(process.hrtime.bigint() - t0) / 1e9);
    e.destroy();
  } finally {
    for (const mgr of managers) await mgr.proc.stop();
    await echo.proc.stop();
    fs.rmSync(homes, { recursive: true, force: true });
  }
  console.log(`# manager bench — ${machine()} — ${PEERS} concurrent registered peers, concurrency ${CONCURRENCY}`);
  console.log(`baseline TCP connect + echo: ${out.echoConnPerSec.toFixed(0)}/s; TCP echo round trips (sequential): ${out.echoRttPerSec.toFixed(0)}/s`);
  for (const [mode, label] of [['tls', 'TLS (default)'], ['insecure', '--insecure (plain TCP)']]) {
    const r = out[mode];
    console.log(`${label}: registrations/s (connect, Hello nonce, signed Register → Registered): ${r.regPerSec.toFixed(0)}   ratio to TCP connect + echo ${(r.regPerSec / out.echoConnPerSec).toFixed(2)}`);
    console.log(`${label}: resident memory per registered peer (manager RSS delta / ${PEERS}): ${(r.bytesPerPeer / 1024).toFixed(1)} KiB`);
    console.log(`${label}: call-control sequences/s (CallRequest→OpenWindow→WindowOpened→Ready→Hangup, sequential): ${r.callsPerSec.toFixed(0)}; a call needs ~3 echo round trips → ratio ${((r.callsPerSec * 3) / out.echoRttPerSec).toFixed(2)}`);
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
