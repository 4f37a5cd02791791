'use strict';
// Call setup time across the lab with delay on each site's WAN link, for the spec's flow and
// the optimistic mode, against the protocol's minimum computed from the configured delay.
// Needs root (network namespaces). Usage: node bench/lab-setup.js [delayMs=20] [calls=7]
require('reflect-metadata');
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
  const lab = await Lab.up({ a: 'filter', b: 'nat', delayMs: DELAY, prefix: 'phbench' });
  const procs = [];
  const start = (node, args) => {
    const p = new NdjsonProc(lab.exec(node, [process.execPath, BIN, ...args, '--json']));
    procs.push(p);
    return p;
  };
  const managerAt = `${MANAGER_ADDRESS}:8080`;
  try {
    await start('manager', ['manager', '--listen', managerAt, '--udp', `${MANAGER_ADDRESS}:3478`]).waitFor('manager.ready', 10000);
    await start('b', ['peer', '--id', 'bob', '--manager', managerAt, '--allow-any', '--optimistic']).waitFor('peer.registered', 10000);
    const results = {};
    for (const mode of ['spec', 'optimistic']) {
      const setups = [];
      const rtts = [];
      for (let i = 0; i < CALLS; i++) {
        const c = start('a', ['call', 'bob', '--id', 'alice', '--manager', managerAt, '--pings', '3', ...(mode === 'optimistic' ? ['--optimistic'] : [])]);
        const code = await c.exited;
        const ready = c.events.find((e) => e.event === 'call.ready');
        const rtt = c.events.find((e) => e.event === 'call.rtt');
        if (code !== 0 || !ready) throw new Error(`call failed: ${JSON.stringify(c.events)} ${c.stderr.join(' ')}`);
        setups.push(ready.setupMs);
        rtts.push(rtt.medianMs);
      }
      results[mode] = { setup: median(setups), rtt: median(rtts), all: setups };
    }
    const specMin = 8 * DELAY;
    const optMin = 6 * DELAY;
    console.log(`# call setup in the lab (filter × nat, ${DELAY} ms one way on each site's WAN link) — ${machine()} — median of ${CALLS} calls`);
    console.log(`direct-path RTT (baseline for one A↔B round trip): ${results.spec.rtt.toFixed(1)} ms (configured ${4 * DELAY} ms)`);
    console.log(`spec flow:       setup ${results.spec.setup.toFixed(1)} ms; protocol minimum 8×delay = ${specMin} ms; ratio ${(results.spec.setup / specMin).toFixed(2)}`);
    console.log(`optimistic mode: setup ${results.optimistic.setup.toFixed(1)} ms; protocol minimum 6×delay = ${optMin} ms; ratio ${(results.optimistic.setup / optMin).toFixed(2)}`);
    console.log(`optimistic saves ${(results.spec.setup - results.optimistic.setup).toFixed(1)} ms (one manager round trip = ${2 * DELAY} ms)`);
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await lab.down();
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
