'use strict';
// Datagram throughput between two processes, as two peers: this process sends, a child receives.
// Each path is measured in turn (interleaved, BENCH_RUNS rounds of BENCH_MS): a raw udx socket
// (baseline) and a secure session (sealed v2, keyed by a real Noise IK handshake between the two
// processes, its messages passed over IPC). Besides the delivered rate it prints each side's CPU
// per datagram (user + system of that process): with a core per peer, the side with the larger
// figure limits the rate, so these show what sealing and opening cost each peer. bench/session.js
// runs both ends in one process (the whole cost of a datagram on one core).
require('reflect-metadata');
const { fork } = require('child_process');
const { MediaTransportFactory, MAX_SEALED_PAYLOAD, SessionSecurity } = require('@pinhole/core');
const { Host } = require('@pinhole/core/host');
const { median, machine, throwawayIdentity } = require('./lib');

const DURATION = Number(process.env.BENCH_MS || 1500);
const RUNS = Number(process.env.BENCH_RUNS || 5);
const BURST = 32;
const PAYLOAD = Buffer.alloc(MAX_SEALED_PAYLOAD - 1, 0xab); // + channel byte, header, tag: 1200 bytes
const FRAME = Buffer.alloc(1200, 0xab);
const CALL = { callId: 'bench-peers', keepaliveMs: 0 };

async function peer() {
  const host = new Host({ config: { log: { level: 'silent' } } });
  await host.plugins.activate('media-udp');
  await host.plugins.activate('secure-noise');
  const transport = await (await host.services.load(MediaTransportFactory)).create({ host: '127.0.0.1' });
  const UDX = require('udx-native');
  const raw = new UDX().createSocket();
  raw.bind(0, '127.0.0.1');
  for (const s of [transport.udxSocket, raw]) {
    s.setRecvBufferSize(1 << 20);
    s.setSendBufferSize(1 << 20);
  }
  return { host, transport, raw, security: await host.services.load(SessionSecurity), identity: throwawayIdentity() };
}

/** The receiving peer: answers the handshake, counts datagrams, reports its CPU per round. */
async function receiver() {
  const me = await peer();
  let count = 0;
  let cpu0;
  me.raw.on('message', () => count++);
  process.on('message', async (m) => {
    if (m.msg1) {
      const responder = me.security.responder({ ...CALL, localEndpoint: 2, remoteEndpoint: 1, identity: me.identity, checkInitiator: () => true });
      const step = responder.receive(Buffer.from(m.msg1, 'base64'));
      const session = await me.transport.openSession({ ...CALL, role: 'callee', localEndpoint: 2, remoteEndpoint: 1, remote: { address: '127.0.0.1', port: m.port }, handshake: step.result });
      (await session.openStream('bench')).onPayload(() => count++);
      return process.send({ msg2: step.reply.toString('base64') });
    }
    if (m.start) {
      count = 0;
      cpu0 = process.cpuUsage();
      return process.send({ started: true });
    }
    if (m.stop) {
      const c = process.cpuUsage(cpu0);
      return process.send({ count, cpu: c.user + c.system });
    }
    if (m.exit) process.exit(0);
  });
  process.send({ port: me.transport.socket.localPort, rawPort: me.raw.address().port, key: Buffer.from(me.identity.publicKey).toString('base64') });
}

async function sender() {
  const child = fork(__filename, ['--receiver']);
  const ask = (m) => new Promise((r) => (child.once('message', r), m && child.send(m)));
  const info = await ask();
  const me = await peer();
  const initiator = me.security.initiator({ ...CALL, localEndpoint: 1, remoteEndpoint: 2, identity: me.identity, remotePublicKey: Buffer.from(info.key, 'base64') });
  const { msg2 } = await ask({ msg1: initiator.message.toString('base64'), port: me.transport.socket.localPort });
  initiator.receive(Buffer.from(msg2, 'base64'));
  const session = await me.transport.openSession({ ...CALL, role: 'caller', localEndpoint: 1, remoteEndpoint: 2, remote: { address: '127.0.0.1', port: info.port }, handshake: initiator.result });
  if (!session.secure) throw new Error('the session is not protected');
  const tx = await session.openStream('bench');
  const paths = { udx: () => me.raw.trySend(FRAME, info.rawPort, '127.0.0.1'), secure: () => tx.send(PAYLOAD) };
  const got = { udx: [], secure: [] };
  for (let i = 0; i < RUNS; i++)
    for (const name of i % 2 ? ['secure', 'udx'] : ['udx', 'secure']) {
      await ask({ start: true });
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      let sent = 0;
      await new Promise((resolve) => {
        const end = Date.now() + DURATION;
        const loop = () => {
          if (Date.now() >= end) return resolve();
          for (let k = 0; k < BURST; k++) paths[name]();
          sent += BURST;
          setImmediate(loop);
        };
        loop();
      });
      await new Promise((r) => setTimeout(r, 50));
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      const c = process.cpuUsage(cpu0);
      const r = await ask({ stop: true });
      got[name].push({ pps: r.count / secs, lost: 1 - r.count / sent, tx: (c.user + c.system) / sent, rx: r.cpu / r.count });
    }
  child.send({ exit: true });
  await session.close();
  await me.transport.close();
  await me.raw.close();
  await me.host.dispose();
  const med = (name, k) => median(got[name].map((x) => x[k]));
  console.log(`# datagram throughput between two processes (loopback, 1200-byte datagrams) — ${machine()} — median of ${RUNS} runs of ${DURATION} ms`);
  console.log('#                            kpps    lost   sender µs/datagram   receiver µs/datagram   runs (kpps)');
  for (const [name, label] of [['udx', 'raw udx socket (baseline)'], ['secure', 'secure session (sealed v2)']])
    console.log(`${label.padEnd(27)} ${(med(name, 'pps') / 1e3).toFixed(1).padStart(6)}  ${(100 * med(name, 'lost')).toFixed(1).padStart(5)}%  ${med(name, 'tx').toFixed(2).padStart(10)}           ${med(name, 'rx').toFixed(2).padStart(10)}            [${got[name].map((x) => (x.pps / 1e3).toFixed(0)).join(' ')}]`);
  const r = (k) => (med('udx', k) / med('secure', k)).toFixed(2);
  console.log(`ratio secure / raw udx: rate ${(med('secure', 'pps') / med('udx', 'pps')).toFixed(2)}; per CPU of the sender ${r('tx')}, of the receiver ${r('rx')}`);
}

if (process.argv.includes('--receiver')) receiver();
else
  sender().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
