'use strict';
// Call setup time across the lab with delay on each site's WAN link, for the spec's flow and
// the optimistic mode, against the protocol's minimum computed from the configured delay. Every
// call is secure (TLS to the manager, Noise IK inside the window-opening probes): each process
// has its own PINHOLE_HOME (identity, known_peers, the manager's certificate) in a temp folder.
// The same with --insecure on every end (plain TCP, PING/PONG probes) is the same-run baseline.
// Needs root (network namespaces). Usage: node bench/lab-setup.js [delayMs=20] [calls=7 | env BENCH_CALLS]
// BENCH_TURN=1: the manager advertises the lab's coturn (as a deployment that relays hard pairs
// does); these pairs still go direct, so the figures show what the relay fallback costs a direct call.
// The lab's prefix is BENCH_LAB_PREFIX, else one of this process's own.
require('reflect-metadata');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Lab, MANAGER_ADDRESS, NdjsonProc, checkLabPrerequisites, turnArgs } = require('@pinhole/lab');
const { median, machine } = require('./lib');

const DELAY = Number(process.argv[2] || 20);
const CALLS = Number(process.argv[3] || process.env.BENCH_CALLS || 7);
const BIN = path.resolve(__dirname, '..', 'core', 'bin', 'pinhole.js');

(async () => {
  const TURN = process.env.BENCH_TURN === '1';
  const pre = checkLabPrerequisites({ delayMs: DELAY, turn: TURN });
  if (!pre.ok) {
    console.log(`lab-setup bench skipped: ${pre.missing.join('; ')}`);
    return;
  }
  const lab = await Lab.up({ a: 'filter', b: 'nat', delayMs: DELAY, turn: TURN, prefix: process.env.BENCH_LAB_PREFIX || `phs${process.pid % 1e6}` });
  const homes = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-bench-homes-'));
  const procs = [];
  const start = (node, args, home) => {
    const env = { PINHOLE_HOME: path.join(homes, home) };
    const p = new NdjsonProc(lab.exec(node, [process.execPath, BIN, ...args, '--json'], { env }));
    procs.push(p);
    return p;
  };
  const managerAt = `${MANAGER_ADDRESS}:8080`;
  const stopAll = async () => {
    for (const p of procs.splice(0).reverse()) await p.stop();
  };
  try {
    const results = {};
    // Same lab, same delays: the default (TLS + Noise IK in the probes) against --insecure on every end.
    for (const security of ['secure', 'insecure']) {
      const flag = security === 'insecure' ? ['--insecure'] : [];
      await start('manager', ['manager', '--listen', managerAt, '--udp', `${MANAGER_ADDRESS}:3478`, ...(TURN ? turnArgs(lab) : []), ...flag], `manager-${security}`).waitFor('manager.ready', 10000);
      await start('b', ['peer', '--id', 'bob', '--manager', managerAt, '--allow-any', '--optimistic', ...flag], `bob-${security}`).waitFor('peer.registered', 10000);
      for (const mode of ['spec', 'optimistic']) {
        const setups = [];
        const rtts = [];
        const steps = {};
        for (let i = 0; i < CALLS; i++) {
          const c = start('a', ['call', 'bob', '--id', 'alice', '--manager', managerAt, '--pings', '3', ...(mode === 'optimistic' ? ['--optimistic'] : []), ...flag], `alice-${security}`);
          const code = await c.exited;
          const ready = c.events.find((e) => e.event === 'call.ready');
          const rtt = c.events.find((e) => e.event === 'call.rtt');
          if (code !== 0 || !ready) throw new Error(`call failed: ${JSON.stringify(c.events)} ${c.stderr.join(' ')}`);
          if (ready.encrypted !== (security === 'secure')) throw new Error(`the call's encryption is not what the bench asked for: ${JSON.stringify(ready)}`);
          setups.push(ready.setupMs);
          rtts.push(rtt.medianMs);
          for (const [k, v] of Object.entries(ready.timeline ?? {})) (steps[k] ??= []).push(v);
        }
        results[`${security} ${mode}`] = { setup: median(setups), rtt: median(rtts), all: setups, steps: Object.entries(steps).map(([k, v]) => `${k} ${median(v).toFixed(1)}`).join(', ') };
      }
      await stopAll();
    }
    const min = { spec: 8 * DELAY, optimistic: 6 * DELAY };
    console.log(`# call setup in the lab (filter × nat, ${DELAY} ms one way per WAN link${TURN ? ', the manager advertising the lab\'s coturn' : ''}) — ${machine()} — median of ${CALLS} calls`);
    console.log(`direct-path RTT (baseline for one A↔B round trip): secure ${results['secure spec'].rtt.toFixed(1)} ms, --insecure ${results['insecure spec'].rtt.toFixed(1)} ms (configured ${4 * DELAY} ms)`);
    for (const mode of ['spec', 'optimistic']) {
      const [s, i] = [results[`secure ${mode}`], results[`insecure ${mode}`]];
      console.log(`${mode.padEnd(10)} protocol minimum ${mode === 'spec' ? 8 : 6}×delay = ${min[mode]} ms; secure (TLS, Noise IK in the probes) ${s.setup.toFixed(1)} ms, ratio ${(s.setup / min[mode]).toFixed(2)}; --insecure ${i.setup.toFixed(1)} ms, ratio ${(i.setup / min[mode]).toFixed(2)}; secure − insecure ${(s.setup - i.setup).toFixed(1)} ms (one A↔B round trip = ${4 * DELAY} ms)`);
    }
    for (const [k, r] of Object.entries(results)) console.log(`${k} caller timeline (median ms from CallRequest): ${r.steps}; all setups: ${r.all.join(' ')}`);
    for (const security of ['secure', 'insecure']) console.log(`${security}: optimistic saves ${(results[`${security} spec`].setup - results[`${security} optimistic`].setup).toFixed(1)} ms (one manager round trip = ${2 * DELAY} ms)`);
  } finally {
    await stopAll();
    await lab.down();
    fs.rmSync(homes, { recursive: true, force: true });
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
