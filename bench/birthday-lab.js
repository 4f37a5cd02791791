'use strict';
// Birthday port probing across the lab's real NATs (nat × hardnat, both roles), back to back, at
// the strategy level (window agents, no call flow): success rate, setup time (callee window +
// caller window), and what it cost (sockets on the hard side, random-port probes on the easy
// side). Baseline in the same run: plain punching (null-udp) between two port-preserving NATs.
// With --sweep, also the hard-callee case with 64/128/256/512 sockets (how the default was chosen).
// Needs root. Usage: node bench/birthday-lab.js [calls=50] [--sweep]
require('reflect-metadata');
const { Lab, MANAGER_ADDRESS, MANAGER_ALT_ADDRESS, NdjsonProc, WindowAgent, windowTrial, checkLabPrerequisites, quantile } = require('@pinhole/lab');
const path = require('path');
const { machine } = require('./lib');

const CALLS = Number(process.argv.slice(2).find((x) => /^\d+$/.test(x)) || 50);
const SWEEP = process.argv.includes('--sweep');
const BIN = path.resolve(__dirname, '..', 'core', 'bin', 'pinhole.js');
const STUN = `${MANAGER_ADDRESS}:3478`;

async function series(a, b, label, roles, config) {
  const lab = await Lab.up({ a, b, prefix: 'phbday' });
  const manager = new NdjsonProc(lab.exec('manager', [process.execPath, BIN, 'manager', '--listen', `${MANAGER_ADDRESS}:8080`, '--udp', STUN, '--stun-alt', `${MANAGER_ALT_ADDRESS}:3479`, '--json']));
  const agents = [];
  try {
    await manager.waitFor('manager.ready', 10000);
    const A = await WindowAgent.start(lab, 'a', { stun: STUN, config });
    const B = await WindowAgent.start(lab, 'b', { stun: STUN, config });
    agents.push(A, B);
    const out = {};
    for (const role of roles) {
      const [callee, caller] = role === 'b-callee' ? [B, A] : [A, B];
      const rs = [];
      for (let i = 0; i < CALLS; i++) rs.push(await windowTrial(callee, caller, i, 3000));
      await new Promise((r) => setTimeout(r, 3200)); // let the last callee report how far it sprayed
      const ok = rs.filter((r) => r.ok);
      const setups = ok.map((r) => r.setupMs);
      const ends = callee.proc.events.filter((e) => e.event === 'window.end');
      const sprayed = ends.map((e) => e.detail && e.detail.sprayed).filter((x) => typeof x === 'number');
      out[role] = {
        label: `${label}, ${role === 'b-callee' ? `${b} callee` : `${a} callee`}`,
        ok: ok.length,
        median: quantile(setups, 0.5),
        p95: quantile(setups, 0.95),
        strategies: [...new Set(ok.map((r) => r.strategy))].join(','),
        sockets: ok.map((r) => r.detail && r.detail.sockets).find((x) => x) ?? callee.proc.events.find((e) => e.event === 'window' && e.detail && e.detail.sockets)?.detail.sockets,
        randomPorts: quantile(ok.map((r) => r.detail && r.detail.randomPorts).filter((x) => typeof x === 'number'), 0.5),
        sprayed: quantile(sprayed, 0.5),
        failures: rs.filter((r) => !r.ok).map((r) => r.code),
      };
    }
    return out;
  } finally {
    for (const x of agents) await x.stop();
    await manager.stop();
    await lab.down();
  }
}

(async () => {
  const pre = checkLabPrerequisites({ delayMs: 0 });
  if (!pre.ok) return console.log(`birthday-lab bench skipped: ${pre.missing.join('; ')}`);
  const base = await series('nat', 'nat', 'baseline: null-udp, nat × nat', ['b-callee']);
  const bday = await series('nat', 'hardnat', 'birthday, nat × hardnat', ['b-callee', 'a-callee']);
  const b0 = base['b-callee'];
  console.log(`# birthday probing in the lab — ${machine()} — ${CALLS} back-to-back calls per row (provisional: loaded machine)`);
  console.log('| pair, callee | direct | setup median | p95 | ratio to baseline (median) | cost |');
  console.log('|---|---|---|---|---|---|');
  const row = (r, cost) => console.log(`| ${r.label} | ${r.ok}/${CALLS} (${((100 * r.ok) / CALLS).toFixed(0)} %) | ${r.median?.toFixed(0)} ms | ${r.p95?.toFixed(0)} ms | ${r === b0 ? '1.00' : (r.median / b0.median).toFixed(2)} | ${cost}${r.failures.length ? `; failures ${r.failures.join(',')}` : ''} |`);
  row(b0, `strategy ${b0.strategies}`);
  const hc = bday['b-callee'];
  row(hc, `${hc.sockets} sockets on the hard side; median ${hc.randomPorts} random-port probes until the hit`);
  const ec = bday['a-callee'];
  row(ec, `${ec.sockets ?? 256} sockets on the hard side; the easy callee sprayed a median ${ec.sprayed ?? '?'} probes`);
  if (!SWEEP) return;
  for (const sockets of [64, 128, 256, 512]) {
    const r = (await series('nat', 'hardnat', `birthday, ${sockets} sockets`, ['b-callee'], { plugins: { 'punch-birthday': { options: { sockets } } } }))['b-callee'];
    row(r, `${sockets} sockets; median ${r.randomPorts} random-port probes until the hit`);
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
