'use strict';
// Every pair connects: the lab matrix (one lab per ordered pair of site kinds, the manager
// advertising the lab's coturn, N back-to-back `pinhole call`s) with success, median and p95
// setup time and path per pair; then file goodput through the TURN relay against the direct path
// in the same run (nat × nat with the lab's coturn; relayed = the internet drops direct UDP
// between the sites, Lab.cutDirect). Needs root.
// Usage: node bench/relay-lab.js [trials=5] [MiB=4] [runs=3] [--kinds open,filter,nat,hardnat,noudp]
require('reflect-metadata');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Lab, MANAGER_ADDRESS, MANAGER_ALT_ADDRESS, NdjsonProc, checkLabPrerequisites, matrixTable, runMatrix, turnArgs } = require('@pinhole/lab');
const { median, machine } = require('./lib');

const argv = process.argv.slice(2);
const kindsAt = argv.indexOf('--kinds');
const KINDS = kindsAt >= 0 ? argv[kindsAt + 1].split(',') : ['open', 'filter', 'nat', 'hardnat', 'noudp'];
const nums = argv.filter((x, i) => /^\d+$/.test(x) && (kindsAt < 0 || i !== kindsAt + 1)).map(Number);
const TRIALS = nums[0] ?? 5;
const SIZE = (nums[1] ?? 4) * 1024 * 1024;
const RUNS = nums[2] ?? 3;
const BIN = path.resolve(__dirname, '..', 'core', 'bin', 'pinhole.js');
const MANAGER = `${MANAGER_ADDRESS}:8080`;

async function throughput() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-relay-lab-'));
  fs.chmodSync(home, 0o755);
  const file = path.join(home, 'payload.bin');
  fs.writeFileSync(file, crypto.randomBytes(SIZE));
  const inbox = path.join(home, 'inbox');
  fs.mkdirSync(inbox);
  const keys = (id) => ['--identity', path.join(home, `${id}.pem`), '--known-peers', path.join(home, `${id}.known_peers`)];
  const lab = await Lab.up({ a: 'nat', b: 'nat', turn: true, prefix: 'phrelayb' });
  const procs = [];
  const start = (node, args) => {
    const p = new NdjsonProc(lab.exec(node, [process.execPath, BIN, ...args, '--json'], { env: { PINHOLE_HOME: home } }));
    procs.push(p);
    return p;
  };
  const out = { direct: { mbps: [], setup: [] }, relay: { mbps: [], setup: [] } };
  try {
    await start('manager', ['manager', '--listen', MANAGER, '--udp', `${MANAGER_ADDRESS}:3478`, '--stun-alt', `${MANAGER_ALT_ADDRESS}:3479`, ...turnArgs(lab)]).waitFor('manager.ready', 10000);
    await start('b', ['peer', '--id', 'bob', '--manager', MANAGER, '--allow-any', '--inbox', inbox, '--overwrite', ...keys('bob')]).waitFor('peer.registered', 10000);
    for (const path_ of ['direct', 'relay']) {
      await lab.cutDirect(path_ === 'relay');
      for (let i = 0; i < RUNS; i++) {
        const call = start('a', ['call', 'bob', '--id', 'alice', '--manager', MANAGER, '--pings', '1', '--send', file, ...keys('alice')]);
        const code = await call.exited;
        const ready = call.events.find((e) => e.event === 'call.ready');
        const done = call.events.find((e) => e.event === 'file.done');
        if (code !== 0 || !done || !ready) throw new Error(`${path_} transfer failed: ${JSON.stringify(call.events.slice(-3))}`);
        if (ready.path !== path_) throw new Error(`expected a ${path_} path, got ${ready.path}`);
        out[path_].mbps.push(SIZE / done.seconds / 1e6);
        out[path_].setup.push(ready.setupMs);
      }
    }
    await lab.cutDirect(false);
  } finally {
    for (const p of procs.reverse()) await p.stop().catch(() => undefined);
    await lab.down();
    fs.rmSync(home, { recursive: true, force: true });
  }
  return out;
}

(async () => {
  const pre = checkLabPrerequisites({ delayMs: 0, turn: true });
  if (!pre.ok) return console.log(`relay-lab bench skipped: ${pre.missing.join('; ')}`);
  console.log(`# every pair connects — ${machine()} — ${TRIALS} back-to-back calls per pair, kinds ${KINDS.join(',')}, coturn advertised`);
  const t0 = Date.now();
  const results = await runMatrix({ trials: TRIALS, kinds: KINDS, prefix: 'phrelayb', turn: true }, (r) => console.log(matrixTable([r])[1]));
  console.log('');
  for (const line of matrixTable(results)) console.log(line);
  const calls = results.reduce((n, r) => n + r.trials, 0);
  const ok = results.reduce((n, r) => n + r.ok, 0);
  console.log(`all pairs: ${ok}/${calls} calls connected (${((100 * ok) / calls).toFixed(1)} %) in ${Math.round((Date.now() - t0) / 1000)} s`);

  const t = await throughput();
  const f = (x) => median(x).toFixed(2).padStart(7);
  console.log(`\n# file goodput, nat × nat, ${SIZE >> 20} MiB, median of ${RUNS} (same run)`);
  console.log(`direct (null-udp)                         ${f(t.direct.mbps)} MB/s   setup ${Math.round(median(t.direct.setup))} ms`);
  console.log(`relayed (coturn, direct UDP dropped)      ${f(t.relay.mbps)} MB/s   setup ${Math.round(median(t.relay.setup))} ms (includes the failed direct attempt)`);
  console.log(`ratio relayed / direct: ${(median(t.relay.mbps) / median(t.direct.mbps)).toFixed(2)}`);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
