'use strict';
// The manager under load, protocol 2: registrations/s, call-control sequences/s and resident
// memory per registered peer with N (default 10,000) concurrent registered clients. The manager
// runs as `pinhole manager` in its own process; clients speak the raw protocol from this one, as a
// real client does: TLS (the default; the self-signed certificate pinned from manager.ready), the
// opening Hello, the manager's Hello nonce, a Register signed with the peer's Ed25519 key over it
// (keys are made before the clock starts). The same against a manager started with --insecure
// (plain TCP) shows what TLS costs. Baselines in the same run, from an echo server in its own
// process: connect + 1 echo (protocol 1's shape), connect + 2 echoes (protocol 2's: the Hello
// round trip, then Register), and the latter over TLS with the manager's own certificate.
// Usage: node bench/manager.js [peers=10000]   (env BENCH_PEERS, BENCH_CALL_MS=3000 go shorter;
// BENCH_MANAGER_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' profiles the managers)
require('reflect-metadata');
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const tls = require('tls');
const { encodeControl, encodeFrame, CONTROL_PROTOCOL_VERSION } = require('@pinhole/core');
const { NdjsonProc } = require('@pinhole/lab');
const { machine, client, cpuMs, inBatches, signingKey, registerSigned } = require('./lib');

const PEERS = Number(process.argv[2] || process.env.BENCH_PEERS || 10000);
const CALL_MS = Number(process.env.BENCH_CALL_MS || 3000);
const CONCURRENCY = 200;
const BIN = path.resolve(__dirname, '..', 'core', 'bin', 'pinhole.js');

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const since = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

/** An echo server in its own process; TLS with the given PEM files, else plain TCP. */
async function startEcho(certFile, keyFile) {
  const child = spawn(process.execPath, ['-e', `
    const fs = require('fs');
    const [cert, key] = process.argv.slice(1);
    const onConn = (s) => { s.setNoDelay(true); s.on('data', (d) => s.write(d)); };
    const srv = cert ? require('tls').createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, onConn) : require('net').createServer(onConn);
    srv.maxConnections = 1e6;
    srv.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ event: 'ready', port: srv.address().port })));
  `, ...(certFile ? [certFile, keyFile] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
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

/**
 * PEERS connections (200 in flight) to the echo server `echo`, each doing `rounds` echoes of
 * `frame`, kept open; connections/s and the server's CPU ms per connection.
 */
async function echoConnects({ port, proc }, secure, rounds, frame) {
  const conns = [];
  const cpu0 = cpuMs(proc.child.pid);
  const t0 = process.hrtime.bigint();
  await inBatches(PEERS, CONCURRENCY, async () => {
    const s = secure ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect(port, '127.0.0.1');
    s.setNoDelay(true);
    await new Promise((r) => s.once(secure ? 'secureConnect' : 'connect', r));
    for (let k = 0; k < rounds; k++) await echoOnce(s, frame);
    conns.push(s);
  });
  const rate = PEERS / since(t0);
  const cpu = (cpuMs(proc.child.pid) - cpu0) / PEERS;
  for (const s of conns) s.destroy();
  return { rate, cpu };
}

/** Sequential echo round trips/s on one connection for CALL_MS. */
async function echoRoundTrips(port, frame) {
  const e = net.connect(port, '127.0.0.1');
  e.setNoDelay(true);
  await new Promise((r) => e.once('connect', r));
  for (let i = 0; i < 500; i++) await echoOnce(e, frame);
  let n = 0;
  const t0 = process.hrtime.bigint();
  const end = Date.now() + CALL_MS;
  while (Date.now() < end) {
    await echoOnce(e, frame);
    n++;
  }
  e.destroy();
  return n / since(t0);
}

/** `pinhole manager` in its own process and its own PINHOLE_HOME (the self-signed certificate goes there). */
async function startManager(home, insecure) {
  const cfg = path.join(home, 'pinhole.config.json');
  fs.writeFileSync(cfg, JSON.stringify({ plugins: { 'manager-server': { options: { limits: { maxConnectionsPerAddress: PEERS + 1000, messagesPerSecondPerConnection: 100000 }, maxCallsPerPeer: 1000, callsPerSecondPerPeer: 100000 } } } }));
  const args = [...(process.env.BENCH_MANAGER_NODE_ARGS ?? '').split(' ').filter(Boolean), BIN, 'manager', '--listen', '127.0.0.1:0', '--udp', '127.0.0.1:0', '--json', '--config', cfg, ...(insecure ? ['--insecure'] : [])];
  const proc = new NdjsonProc(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PINHOLE_HOME: home } }));
  const ready = await proc.waitFor('manager.ready', 20000);
  return { proc, port: Number(String(ready.tcp).split(':').pop()), pin: ready.pin };
}

/** Registrations/s, memory per peer and call-control sequences/s against one manager. */
async function measure(manager, keys) {
  const out = {};
  const pid = manager.proc.child.pid;
  const rss0 = rssKb(pid);
  const clients = [];
  let cpu0 = cpuMs(pid);
  const t0 = process.hrtime.bigint();
  await inBatches(PEERS, CONCURRENCY, async (i) => {
    const c = await client(manager.port, { pin: manager.pin });
    await registerSigned(c, `peer-${String(i).padStart(6, '0')}`, { key: keys[i], candidate: { address: '10.0.0.1', port: 40000 + (i % 20000), kind: 0 } });
    clients.push(c);
  });
  out.regPerSec = PEERS / since(t0);
  out.regCpuMs = (cpuMs(pid) - cpu0) / PEERS;
  await sleep(1500);
  out.bytesPerPeer = ((rssKb(manager.proc.child.pid) - rss0) * 1024) / PEERS;

  // Call control: CallRequest → OpenWindow → WindowOpened → Ready → Hangup, sequential.
  const a = await client(manager.port, { pin: manager.pin });
  const b = await client(manager.port, { pin: manager.pin });
  await registerSigned(a, 'bench-a', { candidate: { address: '10.0.0.2', port: 1, kind: 0 } });
  await registerSigned(b, 'bench-b', { candidate: { address: '10.0.0.3', port: 1, kind: 0 } });
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
  cpu0 = cpuMs(pid);
  const t1 = process.hrtime.bigint();
  const end = Date.now() + CALL_MS;
  while (Date.now() < end) await call(n++);
  out.callsPerSec = n / since(t1);
  out.callCpuMs = (cpuMs(pid) - cpu0) / n;
  for (const c of [...clients, a, b]) c.socket.destroy();
  return out;
}

(async () => {
  const homes = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-bench-'));
  const keys = Array.from({ length: PEERS }, signingKey);
  // An echo frame the size of a signed Register.
  const regFrame = encodeFrame(encodeControl({ register: { peerId: 'peer-000000', protocolVersion: CONTROL_PROTOCOL_VERSION, candidates: [{ address: '10.0.0.1', port: 40000, kind: 0 }], publicKey: keys[0].publicKey, signature: new Uint8Array(64), policy: { mode: 2, allow: [], optimistic: false } } }));
  const out = {};
  const procs = [];
  try {
    const echo = await startEcho();
    procs.push(echo.proc);
    out.echo1 = await echoConnects(echo, false, 1, regFrame);
    out.echo2 = await echoConnects(echo, false, 2, regFrame);
    out.echoRtt = await echoRoundTrips(echo.port, regFrame);

    for (const insecure of [false, true]) {
      const home = path.join(homes, insecure ? 'insecure' : 'tls');
      fs.mkdirSync(home);
      const m = await startManager(home, insecure);
      procs.push(m.proc);
      if (!insecure) {
        // Same certificate, same handshake as the manager's: the TLS baseline.
        const tlsEcho = await startEcho(path.join(home, 'manager', 'tls-cert.pem'), path.join(home, 'manager', 'tls-key.pem'));
        procs.push(tlsEcho.proc);
        out.echoTls2 = await echoConnects(tlsEcho, true, 2, regFrame);
        await tlsEcho.proc.stop();
      }
      await sleep(500);
      out[insecure ? 'insecure' : 'tls'] = await measure(m, keys).catch((err) => {
        throw new Error(`${err.message} (manager exit code ${m.proc.child.exitCode ?? m.proc.child.signalCode ?? 'none, still running'}; its stderr: ${m.proc.stderr.slice(-5).join(' | ')})`);
      });
      await m.proc.stop();
    }
  } finally {
    for (const p of procs) await p.stop();
    fs.rmSync(homes, { recursive: true, force: true });
  }
  const { tls: t, insecure: i, echo1, echo2, echoTls2 } = out;
  const r = (x, y) => (x / y).toFixed(2);
  const ms = (x) => `${x.toFixed(2)} ms`;
  console.log(`# manager bench, protocol 2 — ${machine()} — ${PEERS} concurrent registered peers, ${CONCURRENCY} registrations in flight`);
  console.log(`baselines (echo server, own process; rate, server CPU per connection): TCP connect + 1 echo ${echo1.rate.toFixed(0)}/s ${ms(echo1.cpu)}; TCP connect + 2 echoes ${echo2.rate.toFixed(0)}/s ${ms(echo2.cpu)}; TLS (the manager's certificate) connect + 2 echoes ${echoTls2.rate.toFixed(0)}/s ${ms(echoTls2.cpu)}; sequential TCP echo round trips ${out.echoRtt.toFixed(0)}/s`);
  console.log(`registrations (connect, Hello nonce, signed Register → Registered): rate, manager CPU per registration`);
  console.log(`  TLS (default)          ${t.regPerSec.toFixed(0).padStart(6)}/s  ${ms(t.regCpuMs)}   ratio to TLS connect + 2 echoes: rate ${r(t.regPerSec, echoTls2.rate)}, CPU ${r(echoTls2.cpu, t.regCpuMs)}`);
  console.log(`  --insecure (plain TCP) ${i.regPerSec.toFixed(0).padStart(6)}/s  ${ms(i.regCpuMs)}   ratio to TCP connect + 2 echoes: rate ${r(i.regPerSec, echo2.rate)}, CPU ${r(echo2.cpu, i.regCpuMs)}`);
  console.log(`  TLS / --insecure: rate ${r(t.regPerSec, i.regPerSec)}, CPU ${r(i.regCpuMs, t.regCpuMs)} (TLS adds ${ms(t.regCpuMs - i.regCpuMs)} of manager CPU; a bare TLS handshake costs the echo server ${ms(echoTls2.cpu - echo2.cpu)} more than TCP)`);
  console.log(`  a core of its own would register ${(1000 / t.regCpuMs).toFixed(0)}/s with TLS, ${(1000 / i.regCpuMs).toFixed(0)}/s with --insecure; the Hello round trip (TCP 2 echoes / 1 echo): rate ${r(echo2.rate, echo1.rate)}`);
  console.log(`resident memory per registered peer (manager RSS delta / ${PEERS}): TLS ${(t.bytesPerPeer / 1024).toFixed(1)} KiB, --insecure ${(i.bytesPerPeer / 1024).toFixed(1)} KiB`);
  console.log(`call-control sequences (CallRequest→OpenWindow→WindowOpened→Ready→Hangup, sequential; ~3 echo round trips each): rate, manager CPU per call`);
  console.log(`  TLS (default)          ${t.callsPerSec.toFixed(0).padStart(6)}/s  ${ms(t.callCpuMs)}   ratio to TCP echo round trips / 3: ${r(t.callsPerSec * 3, out.echoRtt)}`);
  console.log(`  --insecure (plain TCP) ${i.callsPerSec.toFixed(0).padStart(6)}/s  ${ms(i.callCpuMs)}   ratio to TCP echo round trips / 3: ${r(i.callsPerSec * 3, out.echoRtt)}`);
  console.log(`  TLS / --insecure: rate ${r(t.callsPerSec, i.callsPerSec)}, CPU ${r(i.callCpuMs, t.callCpuMs)}`);
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
