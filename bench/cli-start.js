'use strict';
// How fast the CLI starts: `pinhole --help` and `pinhole plugins` against `node -e 0`, measured
// in the same run, interleaved round by round so load on the machine hits all three alike.
// Reports the median wall time and, on Linux, the mean CPU time (user+sys of the children, from
// /proc/self/stat: steadier than wall time on a shared machine). Goal: ≤ 1.5× node -e 0.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { median, machine } = require('./lib');

const RUNS = Number(process.env.BENCH_RUNS || 21);
const BIN = path.resolve(__dirname, '..', 'core', 'bin', 'pinhole.js');
const CASES = [
  { name: 'node -e 0 (baseline)', args: ['-e', '0'] },
  { name: 'pinhole --help', args: [BIN, '--help'] },
  { name: 'pinhole plugins', args: [BIN, 'plugins'] },
];

/** CPU seconds used by waited-for children so far (cutime + cstime), or undefined off Linux. */
function childrenCpu() {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // After "pid (comm) ": state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here.
    return (Number(fields[13]) + Number(fields[14])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

function once(c) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, c.args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.resolve(__dirname, '..') });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr}`);
  return ms;
}

// The validators must come precompiled, else this measures the runtime compiler.
const host = require('@pinhole/core/host');
host.validator('manifest');
const source = host.validatorSource;

for (const c of CASES) once(c); // warm the file cache
const wall = CASES.map(() => []);
const cpu = CASES.map(() => 0);
for (let r = 0; r < RUNS; r++)
  CASES.forEach((c, i) => {
    const before = childrenCpu();
    wall[i].push(once(c));
    const after = childrenCpu();
    if (before !== undefined && after !== undefined) cpu[i] += after - before;
  });

console.log(`# CLI start — ${machine()} — ${RUNS} interleaved runs each; validators: ${source}`);
console.log('| command | median wall ms | ratio | mean CPU ms | ratio |');
console.log('|---|---|---|---|---|');
const base = median(wall[0]);
const baseCpu = cpu[0] / RUNS;
CASES.forEach((c, i) => {
  const w = median(wall[i]);
  const cp = cpu[i] / RUNS;
  const cpuCols = childrenCpu() === undefined ? 'n/a | n/a' : `${(cp * 1000).toFixed(0)} | ${(cp / baseCpu).toFixed(2)}`;
  console.log(`| ${c.name} | ${w.toFixed(1)} | ${(w / base).toFixed(2)} | ${cpuCols} |`);
});
console.log('goal: pinhole --help and pinhole plugins ≤ 1.5× node -e 0');
