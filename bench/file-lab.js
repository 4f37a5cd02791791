'use strict';
// File transfer across the lab's real firewalls with loss and delay, against every yardstick in
// the same run: the lab's lossless ceiling (measured first, on the same path), TCP with CUBIC and
// with BBR (iperf3 -C, checked with `ss -ti`), raw udx with 1 and N streams (memory → memory),
// and payload-file end to end (source read and hashed → verified file in b's inbox), encrypted as
// every call is by default and, through a second manager and bob, with --insecure on every end.
// nat × filter; b's filter gets hand-made openings for iperf3 and raw udx (payload-file goes
// through the window the null packet opens). Loss applies per wire packet (offloads are off).
// Needs root (network namespaces) and iperf3.
// Usage: node bench/file-lab.js [lossPerMille=20] [delayMs=10] [MiB=128] [runs=3] [streams=4] [tcpSeconds=10]
require('reflect-metadata');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Lab, MANAGER_ADDRESS, NdjsonProc, checkLabPrerequisites, findTool } = require('@pinhole/lab');
const { median, machine } = require('./lib');
const { cpuSeconds, machineBusySeconds, openBenchPorts, iperfServer, iperf, rawUdx, pathLoss } = require('./lab-lib');

const args = process.argv.slice(2);
const LOSS = Number(args[0] ?? 20);
const DELAY = Number(args[1] ?? 10);
// Large enough that a transfer lasts about as long as the TCP runs (their ramp-up counts too).
const SIZE = Number(args[2] ?? 128) * 1024 * 1024;
const RUNS = Number(args[3] ?? 3);
const STREAMS = Number(args[4] ?? 4);
const TCP_SECONDS = Number(args[5] ?? 10);
const PREFIX = process.env.BENCH_LAB_PREFIX ?? 'phfile';
const BIN = path.resolve(__dirname, '..', 'core', 'bin', 'pinhole.js');
const GiB = 2 ** 30;

async function main() {
  const pre = checkLabPrerequisites({ delayMs: DELAY });
  if (!pre.ok) return console.log(`file-lab bench skipped: ${pre.missing.join('; ')}`);
  if (!findTool('iperf3')) return console.log('file-lab bench skipped: iperf3 not found (apt-get install iperf3)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-file-lab-'));
  fs.chmodSync(dir, 0o755);
  const file = path.join(dir, 'payload.bin');
  const fd = fs.openSync(file, 'w');
  for (let off = 0; off < SIZE; off += 1 << 20) fs.writeSync(fd, require('crypto').randomBytes(Math.min(1 << 20, SIZE - off)));
  fs.closeSync(fd);
  const inbox = path.join(dir, 'inbox');
  fs.mkdirSync(inbox);

  // Lossless first: the ceiling is measured on this very path before the loss is switched on.
  const lab = await Lab.up({ a: 'nat', b: 'filter', loss: 0, delayMs: DELAY, prefix: PREFIX });
  const procs = [];
  // Each role its own PINHOLE_HOME: its identity, its pins (the manager's certificate on first contact).
  const start = (node, argv, role) => {
    const p = new NdjsonProc(lab.exec(node, argv, role ? { env: { PINHOLE_HOME: path.join(dir, `home-${role}`) } } : {}));
    procs.push(p);
    return p;
  };
  const managerAt = `${MANAGER_ADDRESS}:8080`;
  const plainManagerAt = `${MANAGER_ADDRESS}:8081`;
  const server = iperfServer(lab);
  try {
    await openBenchPorts(lab);
    await start('manager', [process.execPath, BIN, 'manager', '--listen', managerAt, '--udp', `${MANAGER_ADDRESS}:3478`, '--json'], 'manager').waitFor('manager.ready', 60000);
    // bob, as `pinhole peer` runs: takes calls from anyone, files into the inbox (sessions encrypted, as by default).
    const bob = start('b', [process.execPath, BIN, 'peer', '--id', 'bob', '--manager', managerAt, '--allow-any', '--inbox', inbox, '--json'], 'bob');
    await bob.waitFor('peer.registered', 60000);
    // The same with --insecure on every end (no TLS, no session encryption): the cost of security.
    await start('manager', [process.execPath, BIN, 'manager', '--listen', plainManagerAt, '--udp', `${MANAGER_ADDRESS}:3480`, '--insecure', '--json'], 'manager-plain').waitFor('manager.ready', 60000);
    const plainBob = start('b', [process.execPath, BIN, 'peer', '--id', 'bob', '--manager', plainManagerAt, '--allow-any', '--inbox', inbox, '--insecure', '--json'], 'bob-plain');
    await plainBob.waitFor('peer.registered', 60000);

    /** payload-file end to end: from the call's path being up to the verified receipt. */
    const sendFile = async (secure) => {
      const [at, peer, extra] = secure ? [managerAt, bob, []] : [plainManagerAt, plainBob, ['--insecure']];
      const call = start('a', [process.execPath, BIN, 'call', 'bob', '--id', 'alice', '--manager', at, '--pings', '3', '--send', file, '--json', ...extra], secure ? 'alice' : 'alice-plain');
      await Promise.race([
        call.waitFor('call.rtt', 30000),
        call.exited.then((code) => {
          throw new Error(`pinhole call exited ${code} before its path was up: ${JSON.stringify(call.events.slice(-3))} ${call.stderr.slice(-3).join(' | ')}`);
        }),
      ]);
      const t0 = process.hrtime.bigint();
      const cpu0 = cpuSeconds(call.child.pid) + cpuSeconds(peer.child.pid);
      const box0 = machineBusySeconds();
      const done = await call.waitFor('file.done', 600000).catch((err) => {
        throw new Error(`file transfer failed: ${err.message}: ${JSON.stringify(call.events.slice(-3))}`);
      });
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = cpuSeconds(call.child.pid) + cpuSeconds(peer.child.pid) - cpu0;
      const box = (machineBusySeconds() - box0) / seconds;
      await call.exited;
      fs.rmSync(path.join(inbox, 'payload.bin'));
      return { Bps: done.bytes / seconds, seconds, cpu, box, streams: done.streams };
    };

    // The most any transport carried through the lossless path in this run.
    const ceilingSeconds = Math.min(TCP_SECONDS, 5);
    const ceilings = {
      'iperf3 BBR ×1': await iperf(lab, server, { cc: 'bbr', seconds: ceilingSeconds }),
      [`iperf3 BBR ×${STREAMS}`]: await iperf(lab, server, { cc: 'bbr', seconds: ceilingSeconds, streams: STREAMS }),
      [`raw udx ×${STREAMS}`]: await rawUdx(lab, { bytes: SIZE, streams: STREAMS }),
    };
    const ceiling = Math.max(...Object.values(ceilings).map((c) => c.Bps));
    await lab.setLoss(LOSS);

    const kinds = ['cubic', 'bbr', 'udx1', 'udxN', 'file', 'filePlain'];
    const res = Object.fromEntries(kinds.map((k) => [k, []]));
    for (let i = 0; i < RUNS; i++) {
      for (const k of i % 2 ? [...kinds].reverse() : kinds) {
        if (k === 'cubic' || k === 'bbr') res[k].push(await iperf(lab, server, { cc: k, seconds: TCP_SECONDS }));
        else if (k === 'file' || k === 'filePlain') res[k].push(await sendFile(k === 'file'));
        else res[k].push(await rawUdx(lab, { bytes: SIZE, streams: k === 'udx1' ? 1 : STREAMS }));
      }
    }

    const loss = pathLoss(LOSS);
    const med = (k) => median(res[k].map((r) => r.Bps));
    const mb = (x) => (x / 1e6).toFixed(2).padStart(7);
    // Process CPU of both ends. Not shown for TCP: its kernel work mostly runs in softirq
    // context charged to whatever runs then, while udx's sends forward synchronously in its own.
    // The whole machine: every transport here shares its cores with the lab (routers, NATs, the delay line).
    const cores = os.cpus().length;
    const busy = (k) => `${median(res[k].map((r) => r.box)).toFixed(2)}/${cores}`;
    const cpuPerGiB = (k) => median(res[k].map((r) => r.cpu / (SIZE / GiB))).toFixed(1).padStart(5);
    const tcpNote = (k) => `ran ${[...new Set(res[k].map((r) => `${r.cc} (ss: ${r.ss})`))].join(', ')}, ${median(res[k].map((r) => r.retransmits))} retransmits/run`;
    console.log(
      `# file transfer across the lab: nat × filter, ${LOSS}‰ loss per router (${(100 * loss).toFixed(2)} % per direction host→host), ` +
        `${DELAY} ms one way per WAN link (${4 * DELAY} ms RTT) — ${machine()} — ${SIZE >> 20} MiB, TCP ${TCP_SECONDS} s, median of ${RUNS} runs`,
    );
    console.log(`lab ceiling, lossless, same path: ${Object.entries(ceilings).map(([k, c]) => `${k} ${mb(c.Bps).trim()} (machine busy ${c.box.toFixed(2)}/${cores} cores)`).join(', ')} MB/s → ${mb(ceiling).trim()} MB/s`);
    console.log(`ceiling × (1 − loss) = ${mb(ceiling * (1 - loss))} MB/s`);
    console.log(`                                      MB/s   CPU-s/GiB (both ends)   machine cores busy`);
    console.log(`TCP CUBIC (iperf3 -C cubic)        ${mb(med('cubic'))}      -                   ${busy('cubic')}   ${tcpNote('cubic')}`);
    console.log(`TCP BBR (iperf3 -C bbr)            ${mb(med('bbr'))}      -                   ${busy('bbr')}   ${tcpNote('bbr')}`);
    console.log(`raw udx, 1 stream (memory)         ${mb(med('udx1'))}   ${cpuPerGiB('udx1')}                 ${busy('udx1')}`);
    console.log(`raw udx, ${STREAMS} streams (memory)        ${mb(med('udxN'))}   ${cpuPerGiB('udxN')}                 ${busy('udxN')}`);
    console.log(`payload-file, encrypted, disk→disk ${mb(med('file'))}   ${cpuPerGiB('file')}                 ${busy('file')}   streams used: ${res.file.map((r) => r.streams).join(', ')}`);
    console.log(`payload-file --insecure, disk→disk ${mb(med('filePlain'))}   ${cpuPerGiB('filePlain')}                 ${busy('filePlain')}   streams used: ${res.filePlain.map((r) => r.streams).join(', ')}`);
    console.log(`per run, MB/s: ${kinds.map((k) => `${k} ${res[k].map((r) => (r.Bps / 1e6).toFixed(1)).join('/')}`).join('; ')}`);
    const f = med('file');
    const ratio = (x, goal) => `${x.toFixed(2)} (goal ≥ ${goal}${x >= goal ? ', met' : ', NOT met'})`;
    console.log(`payload-file / (ceiling × (1 − loss)) = ${ratio(f / (ceiling * (1 - loss)), 0.9)}`);
    console.log(`payload-file / TCP BBR = ${ratio(f / med('bbr'), 1.3)}   payload-file / TCP CUBIC = ${ratio(f / med('cubic'), 20)}`);
    console.log(`payload-file encrypted / --insecure = ${ratio(f / med('filePlain'), 0.9)}`);
    console.log(`raw udx ${STREAMS} streams / 1 stream = ${(med('udxN') / med('udx1')).toFixed(2)}   payload-file / raw udx ${STREAMS} streams = ${(f / med('udxN')).toFixed(2)}`);
  } finally {
    for (const p of procs.reverse()) await p.stop().catch(() => undefined);
    server.kill();
    await lab.down();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
