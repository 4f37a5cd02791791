'use strict';
// The manager under load: registrations/s, call-control round trips/s, and resident memory per
// registered peer with N (default 10,000) concurrent registered clients. The manager runs as
// `pinhole manager` in its own process; clients speak the raw protocol from this one. Baseline
// in the same run: a bare TCP echo server (also its own process) doing the same connects and
// round trips. Usage: node bench/manager.js [peers=10000]
require('reflect-metadata');
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { encodeControl, encodeFrame } = require('@pinhole/core');
const { NdjsonProc } = require('@pinhole/lab');
const { machine, client, inBatches } = require('./lib');

const PEERS = Number(process.argv[2] || 10000);
const BIN = path.resolve(__dirname, '..', 'core', 'bin', 'pinhole.js');

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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

(async () => {
  const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-bench-'));
  const cfg = path.join(cfgDir, 'pinhole.config.json');
  fs.writeFileSync(cfg, JSON.stringify({ plugins: { 'manager-server': { options: { limits: { maxConnectionsPerAddress: PEERS + 1000, messagesPerSecondPerConnection: 100000 }, maxCallsPerPeer: 1000 } } } }));
  const manager = new NdjsonProc(spawn(process.execPath, [BIN, 'manager', '--listen', '127.0.0.1:0', '--udp', '127.0.0.1:0', '--json', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const ready = await manager.waitFor('manager.ready', 10000);
  const port = Number(String(ready.tcp).split(':')[1]);
  const echo = await startEcho();
  const regFrame = encodeFrame(encodeControl({ register: { peerId: 'x'.repeat(12), protocolVersion: 1, candidates: [{ address: '10.0.0.1', port: 40000, kind: 0 }] } }));
  const out = {};
  try {
    // Baseline: connect + one request/response of the same size, same concurrency.
    const echoConns = [];
    let t0 = process.hrtime.bigint();
    await inBatches(PEERS, 200, async () => {
      const s = net.connect(echo.port, '127.0.0.1');
      await new Promise((r) => s.once('connect', r));
      await echoOnce(s, regFrame);
      echoConns.push(s);
    });
    out.echoConnPerSec = PEERS / (Number(process.hrtime.bigint() - t0) / 1e9);
    for (const s of echoConns) s.destroy();

    await sleep(500);
    const rss0 = rssKb(manager.child.pid);
    const clients = [];
    t0 = process.hrtime.bigint();
    await inBatches(PEERS, 200, async (i) => {
      const c = await client(port);
      c.send({ register: { peerId: `peer-${String(i).padStart(6, '0')}`, protocolVersion: 1, candidates: [{ address: '10.0.0.1', port: 40000 + (i % 20000), kind: 0 }] } });
      await c.next('registered');
      clients.push(c);
    });
    out.regPerSec = PEERS / (Number(process.hrtime.bigint() - t0) / 1e9);
    await sleep(1500);
    const rss1 = rssKb(manager.child.pid);
    out.bytesPerPeer = ((rss1 - rss0) * 1024) / PEERS;

    // Call control: CallRequest → OpenWindow → WindowOpened → Ready → Hangup, sequential.
    const a = await client(port);
    const b = await client(port);
    a.send({ register: { peerId: 'bench-a', protocolVersion: 1, candidates: [{ address: '10.0.0.2', port: 1, kind: 0 }] } });
    b.send({ register: { peerId: 'bench-b', protocolVersion: 1, candidates: [{ address: '10.0.0.3', port: 1, kind: 0 }] } });
    await a.next('registered');
    await b.next('registered');
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
    t0 = process.hrtime.bigint();
    const end = Date.now() + 3000;
    while (Date.now() < end) await call(n++);
    out.callsPerSec = n / (Number(process.hrtime.bigint() - t0) / 1e9);

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
    for (const c of [...clients, a, b]) c.socket.destroy();
  } finally {
    await manager.stop();
    await echo.proc.stop();
  }
  console.log(`# manager bench — ${machine()} — ${PEERS} concurrent registered peers, concurrency 200`);
  console.log(`registrations/s (connect + Register → Registered): ${out.regPerSec.toFixed(0)}   baseline TCP connect + echo: ${out.echoConnPerSec.toFixed(0)}/s   ratio ${(out.regPerSec / out.echoConnPerSec).toFixed(2)}`);
  console.log(`resident memory per registered peer (manager RSS delta / ${PEERS}): ${(out.bytesPerPeer / 1024).toFixed(1)} KiB`);
  console.log(`call-control round trips/s (CallRequest→OpenWindow→WindowOpened→Ready→Hangup, sequential): ${out.callsPerSec.toFixed(0)}`);
  console.log(`baseline TCP echo round trips/s (sequential): ${out.echoRttPerSec.toFixed(0)}; a call needs ~3 → ratio ${((out.callsPerSec * 3) / out.echoRttPerSec).toFixed(2)}`);
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
