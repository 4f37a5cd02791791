'use strict';
// The manager on the Redis directory, one node against two nodes on one redis-server (same run):
//  - registrations/s (connect + Register → Registered), baseline: one node on the memory directory
//  - call setups/s (CallRequest → OpenWindow → WindowOpened → Ready → Hangup, PAIRS pairs in a loop),
//    with the managers' and Redis' CPU per call, for 1 node, 2 nodes same-node pairs, 2 nodes cross-node pairs
//  - call setup latency (CallRequest → Ready, one pair, sequential): same node against across nodes
//  - Redis memory per registered peer at PEERS_BIG peers (several client processes), baseline: one plain
//    SET of the same record as JSON per peer
// Managers and Redis run as their own processes; the load comes from this one (and its workers).
// Usage: node bench/directory.js [bigPeers=100000]
require('reflect-metadata');
const { spawn, fork } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { NdjsonProc } = require('@pinhole/lab');
const { machine, client, cpuMs, inBatches, median, registerSigned } = require('./lib');

const BIN = path.resolve(__dirname, '..', 'core', 'bin', 'pinhole.js');
const PEERS = Number(process.env.BENCH_PEERS || 4000);
const PAIRS = Number(process.env.BENCH_PAIRS || 40);
const SETUP_SECONDS = 3;
// Setup phases are repeated, interleaved, and each figure is the median: a shared machine swings a lot.
const RUNS = Number(process.env.BENCH_RUNS || 3);
// CPU per call is measured at one fixed offered load per node, the same in every layout: per-call
// cost falls as load rises (I/O batches), so closed-loop runs at different rates would not compare.
const PACED_PER_NODE = 150;
const PACED_SECONDS = 6;
const LATENCY_CALLS = 400;
const PEERS_BIG = Number(process.argv[2] || 100000);
const WORKERS = 4;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const register = (c, peerId) => registerSigned(c, peerId);

// ---- worker: registers a slice of peers with short connections (records outlive them until expiry) ----
if (process.argv[2] === '--worker') {
  const [, , , ports, from, count, localAddress] = process.argv;
  const at = ports.split(',').map(Number);
  (async () => {
    await inBatches(Number(count), 100, async (i) => {
      const id = Number(from) + i;
      const c = await client(at[id % at.length], { localAddress });
      await register(c, `big-${String(id).padStart(6, '0')}`);
      c.socket.destroy();
    });
    process.send({ done: true });
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
  return;
}

async function startManagers(dir, name, directory, count) {
  const cfg = path.join(dir, `${name}.json`);
  fs.writeFileSync(cfg, JSON.stringify({
    plugins: {
      'manager-server': {
        options: {
          ...directory,
          keepaliveMs: 300000,
          expiryMs: 3600000, // nothing expires during the bench
          maxCallsPerPeer: 1000,
          callsPerSecondPerPeer: 1000000,
          limits: { maxConnectionsPerAddress: 1000000, messagesPerSecondPerConnection: 1000000 },
        },
      },
    },
  }));
  const nodes = [];
  for (let i = 0; i < count; i++) {
    // --insecure: the raw bench clients speak plain TCP (TLS would measure the handshake, not the directory).
    const p = new NdjsonProc(spawn(process.execPath, [BIN, 'manager', '--listen', '127.0.0.1:0', '--udp', '127.0.0.1:0', '--insecure', '--json', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] }));
    const ready = await p.waitFor('manager.ready', 20000);
    nodes.push({ proc: p, port: Number(String(ready.tcp).split(':')[1]), node: ready.node, directory: ready.directory });
  }
  return nodes;
}

/** Registers `n` peers spread over `ports` (connections kept open); registrations/s and CPU ms per registration of `pids`. */
async function registrations(ports, n, tag, pids) {
  const conns = [];
  const cpu0 = pids.map(cpuMs);
  const t0 = process.hrtime.bigint();
  await inBatches(n, 200, async (i) => {
    const c = await client(ports[i % ports.length]);
    await register(c, `${tag}-${i}`);
    conns.push(c);
  });
  const rate = n / seconds(t0);
  const cpu = pids.map((pid, i) => (cpuMs(pid) - cpu0[i]) / n);
  for (const c of conns) c.socket.destroy();
  return { rate, cpu };
}

/** One pair of raw peers doing call setups: caller on `callerPort`, callee on `calleePort`. */
async function pair(callerPort, calleePort, tag) {
  const a = await client(callerPort);
  const b = await client(calleePort);
  await register(a, `${tag}-a`);
  await register(b, `${tag}-b`);
  let n = 0;
  return {
    /** One full setup + hangup; resolves with the CallRequest → Ready time in ms. */
    async call() {
      const callId = `${tag}-${n++}`;
      const t0 = process.hrtime.bigint();
      a.send({ callRequest: { callId, calleeId: `${tag}-b` } });
      await b.next('openWindow');
      b.send({ windowOpened: { callId, nullPackets: 1 } });
      await a.next('ready');
      const ms = seconds(t0) * 1000;
      a.send({ hangup: { callId, reason: 'bench' } });
      await b.next('hangup');
      return ms;
    },
    close() {
      a.socket.destroy();
      b.socket.destroy();
    },
  };
}

/** PAIRS pairs looping calls for SETUP_SECONDS; calls/s and CPU ms per call of `pids`. */
async function setupRate(layout, tag, pids, pacePerPairMs = 0) {
  const pairs = await Promise.all(layout.map(([x, y], i) => pair(x, y, `${tag}${i}`)));
  for (const p of pairs) for (let i = 0; i < 20; i++) await p.call(); // warm up
  const cpu0 = pids.map(cpuMs);
  let calls = 0;
  const seconds_ = pacePerPairMs ? PACED_SECONDS : SETUP_SECONDS;
  const end = Date.now() + seconds_ * 1000;
  const t0 = process.hrtime.bigint();
  await Promise.all(pairs.map(async (p, i) => {
    // Paced: calls start on a fixed schedule (pairs staggered), so every layout carries the same offered load.
    let next = Date.now() + (pacePerPairMs * i) / pairs.length;
    while (Date.now() < end) {
      if (pacePerPairMs) {
        await sleep(Math.max(0, next - Date.now()));
        next += pacePerPairMs;
      }
      await p.call();
      calls++;
    }
  }));
  const rate = calls / seconds(t0);
  const cpu = pids.map((pid, i) => (cpuMs(pid) - cpu0[i]) / calls);
  for (const p of pairs) p.close();
  return { rate, cpu };
}

async function latency(callerPort, calleePort, tag) {
  const p = await pair(callerPort, calleePort, tag);
  for (let i = 0; i < 50; i++) await p.call();
  const xs = [];
  for (let i = 0; i < LATENCY_CALLS; i++) xs.push(await p.call());
  p.close();
  return { p50: median(xs), p90: pct(xs, 90), p99: pct(xs, 99) };
}

async function usedMemory(redis) {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)[1]);
}

(async () => {
  const { startRedis } = require('../test/dist/helpers/redis');
  const Redis = require('ioredis').default;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-bench-dir-'));
  const server = await startRedis({ dir: path.join(dir, 'redis') + (fs.mkdirSync(path.join(dir, 'redis')), '') });
  const redis = new Redis(server.url);
  const redisPid = Number((await redis.info('server')).match(/process_id:(\d+)/)[1]);
  const out = {};
  const all = [];
  try {
    const [mem] = await startManagers(dir, 'memory', { directory: 'memory' }, 1);
    const [one] = await startManagers(dir, 'one', { directory: 'redis', directoryOptions: { url: server.url, prefix: 'bench1' } }, 1);
    const two = await startManagers(dir, 'two', { directory: 'redis', directoryOptions: { url: server.url, prefix: 'bench2' } }, 2);
    all.push(mem, one, ...two);
    const [A, B] = two;
    console.log(`# directory bench — ${machine()}`);
    console.log(`nodes: memory ${mem.node}; redis 1-node ${one.node}; redis 2-node ${A.node}, ${B.node} (directory: ${A.directory}), redis-server ${server.port}`);

    // Each node's CPU per operation (of all operations): with a core per node, the rate tops out when the busiest node is saturated.
    const cpu = (r, nodes) => `manager CPU ${r.cpu.slice(0, nodes).map((c) => c.toFixed(3)).join(' + ')} ms/op${r.cpu.length > nodes ? `, redis ${r.cpu[nodes].toFixed(3)} ms/op` : ''}`;
    const capacity = (r, nodes) => 1000 / Math.max(...r.cpu.slice(0, nodes));
    const scaling = (r2, r1) => `capacity with a core per node ${capacity(r2, 2).toFixed(0)}/s = ×${(capacity(r2, 2) / capacity(r1, 1)).toFixed(2)} of 1 node (${capacity(r1, 1).toFixed(0)}/s)`;

    // Registrations/s.
    const rm = await registrations([mem.port], PEERS, 'rm', [mem.proc.child.pid]);
    const r1 = await registrations([one.port], PEERS, 'r1', [one.proc.child.pid, redisPid]);
    const r2 = await registrations([A.port, B.port], 2 * PEERS, 'r2', [A.proc.child.pid, B.proc.child.pid, redisPid]);
    console.log(`registrations/s, ${PEERS} peers per node, 200 in flight:`);
    console.log(`  memory 1 node  ${rm.rate.toFixed(0)}  (baseline)  ${cpu(rm, 1)}`);
    console.log(`  redis 1 node   ${r1.rate.toFixed(0)}  ×${(r1.rate / rm.rate).toFixed(2)} of memory  ${cpu(r1, 1)}`);
    console.log(`  redis 2 nodes  ${r2.rate.toFixed(0)}  ×${(r2.rate / r1.rate).toFixed(2)} of 1 node  ${cpu(r2, 2)}; ${scaling(r2, r1)}`);

    // Call setups/s.
    const same = (p) => Array.from({ length: PAIRS }, () => [p, p]);
    const configs = {
      m: [same(mem.port), [mem.proc.child.pid]],
      s1: [same(one.port), [one.proc.child.pid, redisPid]],
      // Two nodes get twice the pairs: the same load per node as the single node (per-op cost falls with load, as I/O batches).
      s2: [Array.from({ length: 2 * PAIRS }, (_, i) => (i % 2 ? [A.port, A.port] : [B.port, B.port])), [A.proc.child.pid, B.proc.child.pid, redisPid]],
      sx: [Array.from({ length: 2 * PAIRS }, (_, i) => (i % 2 ? [A.port, B.port] : [B.port, A.port])), [A.proc.child.pid, B.proc.child.pid, redisPid]],
    };
    const runs = Object.fromEntries(Object.keys(configs).map((k) => [k, { open: [], paced: [] }]));
    const pace = (1000 * PAIRS) / PACED_PER_NODE; // ms between one pair's calls
    for (let run = 0; run < RUNS; run++)
      for (const [k, [layout, pids]] of Object.entries(configs)) {
        runs[k].open.push(await setupRate(layout, `${k}o${run}-`, pids));
        runs[k].paced.push(await setupRate(layout, `${k}p${run}-`, pids, pace));
      }
    // Raw rate from the closed loop; CPU per call from the paced runs.
    const med = (k) => ({
      rate: median(runs[k].open.map((r) => r.rate)),
      paced: median(runs[k].paced.map((r) => r.rate)),
      cpu: runs[k].paced[0].cpu.map((_, i) => median(runs[k].paced.map((r) => r.cpu[i]))),
    });
    const [m, s1, s2, sx] = ['m', 's1', 's2', 'sx'].map(med);
    console.log(`call setups/s, ${PAIRS} pairs per node looping (raw rate), and CPU per call at ${PACED_PER_NODE} calls/s offered per node (achieved: memory ${m.paced.toFixed(0)}, 1 node ${s1.paced.toFixed(0)}, 2 nodes ${s2.paced.toFixed(0)} / ${sx.paced.toFixed(0)}); medians of ${RUNS} interleaved runs:`);
    console.log(`  memory 1 node            ${m.rate.toFixed(0)}  (baseline)  ${cpu(m, 1)}`);
    console.log(`  redis 1 node             ${s1.rate.toFixed(0)}  ×${(s1.rate / m.rate).toFixed(2)} of memory  ${cpu(s1, 1)}`);
    console.log(`  redis 2 nodes, same-node ${s2.rate.toFixed(0)}  ×${(s2.rate / s1.rate).toFixed(2)} of 1 node  ${cpu(s2, 2)}; ${scaling(s2, s1)}`);
    console.log(`  redis 2 nodes, cross     ${sx.rate.toFixed(0)}  ×${(sx.rate / s1.rate).toFixed(2)} of 1 node  ${cpu(sx, 2)}; ${scaling(sx, s1)}`);
    // Peers placed at random on 2 nodes: half the calls stay on a node, half cross.
    const mixed = { cpu: [0, 1].map((i) => (s2.cpu[i] + sx.cpu[i]) / 2) };
    console.log(`  redis 2 nodes, random placement (half same-node, half cross, from the two above): ${scaling(mixed, s1)}`);

    // Latency.
    const lm = await latency(mem.port, mem.port, 'lm');
    const ls = await latency(A.port, A.port, 'ls');
    const lx = await latency(A.port, B.port, 'lx');
    const l = (x) => `p50 ${x.p50.toFixed(2)} ms, p90 ${x.p90.toFixed(2)}, p99 ${x.p99.toFixed(2)}`;
    console.log(`call setup latency (CallRequest → Ready, ${LATENCY_CALLS} sequential): memory ${l(lm)} | redis same node ${l(ls)} | redis across nodes ${l(lx)} | cross − same: p50 +${(lx.p50 - ls.p50).toFixed(2)} ms, p90 +${(lx.p90 - ls.p90).toFixed(2)} ms`);

    // Redis memory per registered peer at PEERS_BIG (workers on loopback source addresses 127.0.0.2…).
    await redis.flushall();
    const before = await usedMemory(redis);
    const t0 = process.hrtime.bigint();
    const slice = Math.ceil(PEERS_BIG / WORKERS);
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => new Promise((resolve, reject) => {
      const child = fork(__filename, ['--worker', `${A.port},${B.port}`, String(w * slice), String(Math.min(slice, PEERS_BIG - w * slice)), `127.0.0.${2 + w}`]);
      child.on('message', resolve);
      child.on('exit', (code) => (code ? reject(new Error(`worker ${w} exited ${code}`)) : resolve()));
    })));
    const bigRate = PEERS_BIG / seconds(t0);
    const count = Number(await redis.eval("local n = 0 for _, k in ipairs(redis.call('KEYS', '{bench2:*:x')) do n = n + redis.call('ZCARD', k) end return n", 0));
    await sleep(200);
    const after = await usedMemory(redis);
    const perPeer = (after - before) / count;
    // Baseline: the same record as one JSON string per key.
    const sample = await redis.hgetall((await redis.keys('{bench2:*:r:*'))[0]);
    const json = JSON.stringify(sample);
    await redis.flushall();
    const b0 = await usedMemory(redis);
    for (let i = 0; i < PEERS_BIG; i += 1000) {
      const p = redis.pipeline();
      for (let j = i; j < Math.min(PEERS_BIG, i + 1000); j++) p.set(`plain:${j}`, json);
      await p.exec();
    }
    const plain = ((await usedMemory(redis)) - b0) / PEERS_BIG;
    await redis.flushall();
    console.log(`redis memory per registered peer at ${count} peers (${WORKERS} client processes, 2 nodes, ${bigRate.toFixed(0)} registrations/s): ${perPeer.toFixed(0)} B | baseline one SET of the record as JSON (${json.length} B): ${plain.toFixed(0)} B | ratio ${(perPeer / plain).toFixed(2)}`);
  } finally {
    for (const n of all) await n.proc.stop();
    redis.disconnect();
    await server.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
