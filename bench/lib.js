'use strict';
// Shared helpers for benchmarks: repeat a measurement, report the median, keep the machine's name.
const os = require('os');

/** Runs fn for ~ms milliseconds, returns operations per second. */
function opsPerSec(fn, ms = 300) {
  for (let i = 0; i < 2000; i++) fn(); // warm up JIT
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1000000n;
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
    elapsed = process.hrtime.bigint() - start;
  }
  return n / (Number(elapsed) / 1e9);
}

/**
 * Like opsPerSec, but per second of this process's CPU time (user + system), so a machine shared
 * with other work slows the figure far less than wall-clock time would.
 */
function opsPerCpuSec(fn, ms = 300) {
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  const start = process.cpuUsage();
  const wallEnd = Date.now() + ms * 4;
  let cpu = 0;
  while (cpu < ms * 1000 && Date.now() < wallEnd) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
    const u = process.cpuUsage(start);
    cpu = u.user + u.system;
  }
  return n / (cpu / 1e6);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median of `runs` measurements of fn. */
function medianOf(runs, measure) {
  const xs = [];
  for (let i = 0; i < runs; i++) xs.push(measure());
  return median(xs);
}

function machine() {
  return `${os.cpus()[0].model.trim()} ×${os.cpus().length}, node ${process.version}, ${os.platform()} ${os.release()}`;
}

function fmt(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(1);
}

module.exports = { opsPerSec, opsPerCpuSec, median, medianOf, machine, fmt };
