'use strict';
// File transfer across the lab's real firewalls with loss and delay: payload-file (udx, through
// the window the null packet opened) against TCP on the same path (same routers, same loss and
// delay; b's filter gets a hand-made port opening for TCP, placed after the loss rule).
// Needs root (network namespaces). Usage: node bench/file-lab.js [lossPerMille=20] [delayMs=10] [MiB=4] [runs=3]
require('reflect-metadata');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Lab, MANAGER_ADDRESS, NdjsonProc, checkLabPrerequisites } = require('@pinhole/lab');
const { median, machine } = require('./lib');

const args = process.argv[2] === '--peer' ? [] : process.argv.slice(2);
const LOSS = Number(args[0] ?? 20);
const DELAY = Number(args[1] ?? 10);
const SIZE = Number(args[2] ?? 4) * 1024 * 1024;
const RUNS = Number(args[3] ?? 3);
const BIN = path.resolve(__dirname, '..', 'core', 'bin', 'pinhole.js');
const TCP_PORT = 5001;

// ---- `--peer MANAGER INBOX`: bob, taking files into INBOX (what `pinhole peer --inbox` does) ----
async function peer(manager, inbox) {
  const { FileTransfer, PeerClientFactory, createLogger } = require('@pinhole/core');
  const { Host } = require('@pinhole/core/host');
  const log = createLogger({ json: true });
  const host = new Host({ config: {}, log: createLogger({ level: 'silent', events: false }) });
  await host.start();
  await host.plugins.activate('manager-client');
  const files = await host.services.load(FileTransfer, 'onPayload:file');
  const bob = await (await host.services.load(PeerClientFactory)).create({ peerId: 'bob', manager });
  bob.onIncomingCall((call) => files.receiveFiles(call, inbox, { log, json: true, bar: false }));
  await bob.start();
  log.event('peer.ready', {});
}

// ---- TCP baseline: a receiver that counts SIZE bytes then answers, a sender that times it ----
const TCP_SERVER = `
const net = require('net');
net.createServer((s) => { let n = 0; s.on('data', (c) => { n += c.length; if (n >= ${SIZE}) s.end('done'); }); })
  .listen(${TCP_PORT}, () => console.log(JSON.stringify({ event: 'tcp.ready' })));`;
const tcpClient = (host, file) => `
const net = require('net'); const fs = require('fs');
const t0 = process.hrtime.bigint();
const s = net.connect(${TCP_PORT}, '${host}', () => fs.createReadStream('${file}').pipe(s, { end: false }));
s.on('data', () => { console.log(JSON.stringify({ event: 'tcp.done', seconds: Number(process.hrtime.bigint() - t0) / 1e9 })); s.destroy(); });`;

async function main() {
  const pre = checkLabPrerequisites({ delayMs: DELAY });
  if (!pre.ok) return console.log(`file-lab bench skipped: ${pre.missing.join('; ')}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-file-lab-'));
  fs.chmodSync(dir, 0o755);
  const file = path.join(dir, 'payload.bin');
  fs.writeFileSync(file, require('crypto').randomBytes(SIZE));
  const inbox = path.join(dir, 'inbox');
  fs.mkdirSync(inbox);

  const lab = await Lab.up({ a: 'nat', b: 'filter', loss: LOSS, delayMs: DELAY, prefix: 'phfile' });
  const procs = [];
  const start = (node, argv) => {
    const p = new NdjsonProc(lab.exec(node, argv));
    procs.push(p);
    return p;
  };
  const managerAt = `${MANAGER_ADDRESS}:8080`;
  try {
    await start('manager', [process.execPath, BIN, 'manager', '--listen', managerAt, '--udp', `${MANAGER_ADDRESS}:3478`, '--json']).waitFor('manager.ready', 10000);
    const bob = start('b', [process.execPath, __filename, '--peer', managerAt, inbox]);
    await bob.waitFor('peer.ready', 10000);
    // TCP gets through b's stateful filter only by a port opened by hand, after the loss rule.
    const open = await lab.run('rb', ['nft', 'add', 'rule', 'ip', 'pinhole', 'forward', ...(LOSS > 0 ? ['index', '0'] : []), 'tcp', 'dport', String(TCP_PORT), 'accept']);
    if (open.code !== 0) throw new Error(`cannot open TCP ${TCP_PORT} on rb: ${open.stderr}`);
    await start('b', [process.execPath, '-e', TCP_SERVER]).waitFor('tcp.ready', 5000);

    const file_ = [];
    const tcp = [];
    for (let i = 0; i < RUNS; i++) {
      const call = start('a', [process.execPath, BIN, 'call', 'bob', '--id', 'alice', '--manager', managerAt, '--pings', '1', '--send', file, '--json']);
      const code = await call.exited;
      const done = call.events.find((e) => e.event === 'file.done');
      if (code !== 0 || !done) throw new Error(`file transfer failed: ${JSON.stringify(call.events.slice(-3))}`);
      file_.push(SIZE / done.seconds);
      fs.rmSync(path.join(inbox, 'payload.bin'));
      const client = start('a', [process.execPath, '-e', tcpClient(lab.nodes.b.address, file)]);
      const t = await client.waitFor('tcp.done', 600000);
      tcp.push(SIZE / t.seconds);
    }
    const mb = (x) => (median(x) / 1e6).toFixed(2).padStart(6);
    console.log(`# file transfer across the lab (nat × filter, ${LOSS}‰ loss per router, ${DELAY} ms one way per WAN link) — ${machine()} — ${SIZE >> 20} MiB, median of ${RUNS} runs`);
    console.log(`TCP (CUBIC) on the same path, port opened by hand   ${mb(tcp)} MB/s`);
    console.log(`payload-file (udx BBR) through the null-packet window ${mb(file_)} MB/s`);
    console.log(`ratio payload-file / TCP: ${(median(file_) / median(tcp)).toFixed(2)}`);
  } finally {
    for (const p of procs.reverse()) await p.stop().catch(() => undefined);
    await lab.down();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--peer') peer(process.argv[3], process.argv[4]);
else main();
