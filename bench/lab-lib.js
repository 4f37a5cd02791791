'use strict';
// Shared by the lab benchmarks: the transports measured across a lab path (TCP through iperf3
// with the congestion control chosen per run and checked with `ss -ti`, raw udx streams), the
// CPU their processes spend, and the path's own figures.
const fs = require('fs');
const path = require('path');
const { NdjsonProc } = require('@pinhole/lab');

const IPERF_PORT = 5201;
const UDX_PORT = 5301;
const UDX_SCRIPT = path.join(__dirname, 'lab-udx.js');
const CLK_TCK = 100; // USER_HZ on Linux

/** CPU seconds (user + system, all threads) a process has used so far; 0 once it is gone. */
function cpuSeconds(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/**
 * Busy CPU seconds of the whole machine so far (every core, user + system + softirq: the lab's
 * routers, NATs and delay line run in the kernel and in the wire namespace, not in the ends).
 * A run's (after − before) / seconds is how many of the machine's cores it kept busy.
 */
function machineBusySeconds() {
  const f = fs.readFileSync('/proc/stat', 'utf8');
  const t = f.slice(0, f.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number);
  return (t.reduce((a, b) => a + b, 0) - t[3] - t[4]) / CLK_TCK; // all but idle and iowait
}

/** Lets TCP (iperf3) and UDP (raw udx) to b through b's stateful filter: ports opened by hand, at the head of the forward chain. */
async function openBenchPorts(lab) {
  for (const rule of [['tcp', IPERF_PORT], ['udp', UDX_PORT]]) {
    const res = await lab.run('rb', ['nft', 'insert', 'rule', 'ip', 'pinhole', 'forward', rule[0], 'dport', String(rule[1]), 'accept']);
    if (res.code !== 0) throw new Error(`cannot open ${rule.join(' ')} on rb: ${res.stderr}`);
  }
}

/** An iperf3 server on b, for the whole bench (`ip netns exec` execs it in place: its pid is iperf3's). */
function iperfServer(lab) {
  return lab.exec('b', ['iperf3', '-s', '-p', String(IPERF_PORT)], { stdio: 'ignore' });
}

/**
 * One iperf3 run a → b with congestion control `cc` (forced per socket with -C), `streams`
 * parallel flows for `seconds`. `ss -ti` on a, sampled mid-run, says which algorithm the
 * kernel really ran. Returns goodput (bytes/s received), the algorithm(s), retransmits and CPU.
 */
async function iperf(lab, server, opts, attempts = 3) {
  try {
    return await iperfOnce(lab, server, opts);
  } catch (err) {
    // The server takes one test at a time, and on a lossy path the previous test's control
    // connection can linger (its last packets lost): the next client is reset. Try again.
    if (attempts <= 1 || !/control message|busy|reset/i.test(err.message)) throw err;
    await new Promise((r) => setTimeout(r, 2000));
    return iperf(lab, server, opts, attempts - 1);
  }
}

async function iperfOnce(lab, server, { cc, seconds, streams = 1 }) {
  const serverCpu0 = cpuSeconds(server.pid);
  const box0 = machineBusySeconds();
  const t0 = process.hrtime.bigint();
  const child = lab.exec('a', ['iperf3', '-c', lab.nodes.b.address, '-p', String(IPERF_PORT), '-C', cc, '-t', String(seconds), '-P', String(streams), '-J']);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  const exited = new Promise((r) => child.on('exit', r));
  // Mid-run: by then a data connection that lost its SYN or first window (a 1 s RTO on a lossy
  // path) has carried more than the control connection, which runs the host's default.
  await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
  const ss = await lab.run('a', ['ss', '-tinH', 'dst', `${lab.nodes.b.address}:${IPERF_PORT}`]);
  await exited;
  const box = (machineBusySeconds() - box0) / (Number(process.hrtime.bigint() - t0) / 1e9);
  const j = JSON.parse(out);
  if (j.error) throw new Error(`iperf3 (${cc}): ${j.error}`);
  // The data connection(s): the ones that carried most; the control connection runs the default.
  const conns = ss.stdout
    .split('\n')
    .filter((l) => /^\s/.test(l))
    .map((l) => ({ cc: (/\b(cubic|bbr|reno)\b/.exec(l) ?? [])[1], acked: Number((/bytes_acked:(\d+)/.exec(l) ?? [])[1] ?? 0) }));
  const most = Math.max(0, ...conns.map((c) => c.acked));
  const seen = [...new Set(conns.filter((c) => c.acked >= most / 10 && c.cc).map((c) => c.cc))];
  return {
    Bps: j.end.sum_received.bytes / j.end.sum_received.seconds,
    bytes: j.end.sum_received.bytes,
    cc: j.end.sender_tcp_congestion,
    ss: seen.join('+') || '?',
    retransmits: j.end.sum_sent.retransmits,
    // The client's own report (it has exited) plus the server's CPU over the run.
    cpu: (j.end.cpu_utilization_percent.host_total / 100) * j.end.sum_sent.seconds + cpuSeconds(server.pid) - serverCpu0,
    box,
  };
}

/** Raw udx, memory → memory, `bytes` over `streams` streams a → b. Returns goodput, CPU of both ends. */
async function rawUdx(lab, { bytes, streams, timeoutMs = 600000 }) {
  const { b, ra } = lab.nodes;
  const node = process.execPath;
  // b is reached directly (its filter has the port open); a sits behind a's port-preserving NAT.
  const rx = new NdjsonProc(lab.exec('b', [node, UDX_SCRIPT, 'receive', String(UDX_PORT), String(streams), ra.address, String(UDX_PORT), String(bytes)]));
  const tx = new NdjsonProc(lab.exec('a', [node, UDX_SCRIPT, 'send', String(UDX_PORT), String(streams), b.address, String(UDX_PORT), String(bytes)]));
  try {
    await Promise.all([rx.waitFor('ready', 10000), tx.waitFor('ready', 10000)]);
    const cpu0 = cpuSeconds(rx.child.pid) + cpuSeconds(tx.child.pid);
    const box0 = machineBusySeconds();
    const t0 = process.hrtime.bigint();
    tx.child.stdin.write('go\n');
    await rx.waitFor('done', timeoutMs);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuSeconds(rx.child.pid) + cpuSeconds(tx.child.pid) - cpu0;
    return { Bps: bytes / seconds, seconds, cpu, box: (machineBusySeconds() - box0) / seconds };
  } finally {
    await Promise.all([rx.stop(), tx.stop()]);
  }
}

/** Loss of one direction of a host → host path crossing both routers, each dropping `perMille`. */
const pathLoss = (perMille) => 1 - (1 - perMille / 1000) ** 2;

module.exports = { cpuSeconds, machineBusySeconds, openBenchPorts, iperfServer, iperf, rawUdx, pathLoss, IPERF_PORT, UDX_PORT };
