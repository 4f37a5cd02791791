'use strict';
// Call setup time across the lab with delay on each site's WAN link, for the spec's flow and
// the optimistic mode, against the protocol's minimum computed from the configured delay. Every
// call is secure (TLS to the manager, Noise IK inside the window-opening probes): each process
// has its own PINHOLE_HOME (identity, known_peers, the manager's certificate) in a temp folder.
// Needs root (network namespaces). Usage: node bench/lab-setup.js [delayMs=20] [calls=7]
// The lab's prefix is BENCH_LAB_PREFIX, else one of this process's own.
require('reflect-metadata');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Lab, MANAGER_ADDRESS, NdjsonProc, checkLabPrerequisites } = require('@pinhole/lab');
const { median, machine } = require('./lib');

const DELAY = Number(process.argv[2] || 20);
const CALLS = Number(process.argv[3] || 7);
const BIN = path.resolve(__dirname, '..', 'core', 'bin', 'pinhole.js');

(async () => {
  const pre = checkLabPrerequisites({ delayMs: DELAY });
  if (!pre.ok) {
    console.log(`lab-setup bench skipped: ${pre.missing.join('; ')}`);
    return;
  }
  const lab = await Lab.up({ a: 'filter', b: 'nat', delayMs: DELAY, prefix: process.env.BENCH_LAB_PREFIX || `phs${process.pid % 1e6}` });
  const homes = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-bench-homes-'));
  const procs = [];
  const start = (node, args, home) => {
    const env = { PINHOLE_HOME: path.join(homes, home) };
    const p = new NdjsonProc(lab.exec(node, [process.execPath, BIN, ...args, '--json'], { env }));
    procs.push(p);
    return p;
  };
  const managerAt = `${MANAGER_ADDRESS}:8080`;
  try {
    await start('manager', ['manager', '--listen', managerAt, '--udp', `${MANAGER_ADDRESS}:3478`], 'manager').waitFor('manager.ready', 10000);
    await start('b', ['peer', '--id', 'bob', '--manager', managerAt, '--allow-any', '--optimistic'], 'bob').waitFor('peer.registered', 10000);
    const results = {};
    for (const mode of ['spec', 'optimistic']) {
      const setups = [];
      const rtts = [];
      const steps = {};
      for (let i = 0; i < CALLS; i++) {
        const c = start('a', ['call', 'bob', '--id', 'alice', '--manager', managerAt, '--pings', '3', ...(mode === 'optimistic' ? ['--optimistic'] : [])], 'alice');
        const code = await c.exited;
        const ready = c.events.find((e) => e.event === 'call.ready');
        const rtt = c.events.find((e) => e.event === 'call.rtt');
        if (code !== 0 || !ready) throw new Error(`call failed: ${JSON.stringify(c.events)} ${c.stderr.join(' ')}`);
        if (!ready.encrypted) throw new Error(`the call was not encrypted: ${JSON.stringify(ready)}`);
        setups.push(ready.setupMs);
        rtts.push(rtt.medianMs);
        for (const [k, v] of Object.entries(ready.timeline ?? {})) (steps[k] ??= []).push(v);
      }
      results[mode] = { setup: median(setups), rtt: median(rtts), all: setups, steps: Object.entries(steps).map(([k, v]) => `${k} ${median(v).toFixed(1)}`).join(', ') };
    }
    const specMin = 8 * DELAY;
    const optMin = 6 * DELAY;
    console.log(`# call setup in the lab (filter × nat, ${DELAY} ms one way on each site's WAN link) — ${machine()} — median of ${CALLS} calls`);
    console.log(`direct-path RTT (baseline for one A↔B round trip): ${results.spec.rtt.toFixed(1)} ms (configured ${4 * DELAY} ms)`);
    console.log(`spec flow:       setup ${results.spec.setup.toFixed(1)} ms; protocol minimum 8×delay = ${specMin} ms; ratio ${(results.spec.setup / specMin).toFixed(2)}`);
    console.log(`optimistic mode: setup ${results.optimistic.setup.toFixed(1)} ms; protocol minimum 6×delay = ${optMin} ms; ratio ${(results.optimistic.setup / optMin).toFixed(2)}`);
    for (const mode of ['spec', 'optimistic']) console.log(`${mode} caller timeline (median ms from the call's start): ${results[mode].steps}; all setups: ${results[mode].all.join(' ')}`);
    console.log(`optimistic saves ${(results.spec.setup - results.optimistic.setup).toFixed(1)} ms (one manager round trip = ${2 * DELAY} ms)`);
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await lab.down();
    fs.rmSync(homes, { recursive: true, force: true });
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
