import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { inject, injectable } from 'inversify';
import {
  printHelp,
  createLogger,
  defineCommand,
  formatAddress,
  intFlag,
  parseCommand,
  usageError,
  ManagerServerFactory,
  PeerClientFactory,
  ServiceLoader,
  type CallPolicy,
  type CommandContribution,
  type CommandIO,
  type EstablishedCall,
} from '@pinhole/core';
import { labDemo } from './lab-demo';
import { measureRtt, readyFields } from './measure';
import { NotifyTimes } from './notify-times';

const KINDS = ['open', 'filter', 'nat', 'hardnat'];

export const DEMO_SPEC = defineCommand({
  name: 'demo',
  summary:
    'The walk-through (npm start): an embedded manager and two peers with throw-away keys on loopback go through the whole flow — registered, CallRequest, OpenWindow, null packet, WindowOpened, Ready, the Noise handshake in the first datagrams, RTT — each step printed with its time since the call began. With --lab, the same across real firewalls in network namespaces (root).',
  options: {
    optimistic: { type: 'boolean', default: false, description: 'the callee allows optimistic calls and the caller asks for one (Ready before WindowOpened)' },
    lab: { type: 'boolean', default: false, description: 'run the manager, alice and bob as processes across the lab\'s firewalls (root; see lab/README.md)' },
    a: { type: 'string', arg: 'KIND', default: 'filter', description: 'with --lab: site a\'s firewall (open, filter, nat, hardnat)' },
    b: { type: 'string', arg: 'KIND', default: 'nat', description: 'with --lab: site b\'s firewall' },
    delay: { type: 'string', arg: 'MS', default: '0', description: 'with --lab: one-way delay on each WAN link' },
    prefix: { type: 'string', arg: 'P', defaultText: 'demo-PID (unique per run)', description: 'with --lab: namespace prefix (1–12 of a-z 0-9 -), so runs side by side do not collide' },
  },
});

/**
 * `pinhole demo` (npm start): an embedded manager and two peers on loopback walk through the
 * spec's whole flow (Figure 6), printing each step with its time since the call started.
 */
@injectable()
export class DemoCommand implements CommandContribution {
  readonly command = 'demo';

  constructor(
    @inject(PeerClientFactory) private readonly clients: PeerClientFactory,
    @inject(ServiceLoader) private readonly loader: ServiceLoader,
    @inject(NotifyTimes) private readonly times: NotifyTimes,
  ) {}

  async run(argv: string[], io: CommandIO): Promise<number> {
    const { values, help } = parseCommand(DEMO_SPEC, argv);
    if (help) return printHelp(DEMO_SPEC);
    const delayMs = intFlag('demo', 'delay', values.delay, { min: 0, max: 10000 })!;
    if (!values.lab && (argv.some((a) => /^--(a|b|delay|prefix)(=|$)/.test(a))))
      throw usageError('demo', '--a, --b, --delay and --prefix describe the lab: give --lab too');
    for (const side of ['a', 'b'] as const)
      if (!KINDS.includes(values[side])) throw usageError('demo', `--${side} ${values[side]} is not a site kind (${KINDS.join(', ')})`);
    const prefix = values.prefix ?? `demo-${process.pid % 1_000_000}`;
    if (!/^[a-z][a-z0-9-]{0,11}$/.test(prefix)) throw usageError('demo', `--prefix ${prefix}: use 1–12 of a-z, 0-9 and -, starting with a letter`);
    if (values.lab) return labDemo(io, { a: values.a, b: values.b, delayMs, optimistic: values.optimistic, prefix });

    const step = (name: string, text: string, fields: Record<string, unknown> = {}) =>
      io.json ? io.log.event(`demo.${name}`, fields) : process.stdout.write(`${text}\n`);
    const managers = await this.loader.load<ManagerServerFactory>(ManagerServerFactory, 'onManager', 'the demo needs the manager-server plugin');
    const manager = await managers.start({ host: '127.0.0.1', port: 0, udpHost: '127.0.0.1', udpPort: 0 });
    const m = manager.address();
    const managerAt = `${m.tcp.host}:${m.tcp.port}`;
    step('manager', `manager      listening on tcp ${managerAt} (TLS: TCP + WebSocket), STUN on udp ${m.udp.host}:${m.udp.port}; certificate ${m.tls?.pin}`, { tcp: managerAt, udp: `${m.udp.host}:${m.udp.port}`, pin: m.tls?.pin });

    // The demo narrates; the clients' own events would repeat it (kept in --json mode).
    const clientLog = io.json ? io.log : createLogger({ events: false, level: 'warn' });
    // Demo peers get their own throw-away keys and pins, never the user's.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-demo-'));
    const peer = (id: string, policy: CallPolicy) =>
      this.clients.create({ peerId: id, manager: managerAt, managerFingerprint: m.tls?.pin, udpHost: '127.0.0.1', log: clientLog, identity: path.join(home, `${id}.pem`), knownPeers: path.join(home, `${id}.known_peers`), policy });
    const alice = await peer('alice', { mode: 'none', allow: [], optimistic: false });
    const bob = await peer('bob', { mode: 'any', allow: [], optimistic: values.optimistic });
    this.times.reset();
    try {
      const regs = [];
      for (const p of [alice, bob]) {
        const r = await p.start();
        regs.push(r);
        step('registered', `registered   ${r.peerId}: media udp ${formatAddress(r.candidates[0])}, reflexive (STUN) ${r.reflexive ? formatAddress(r.reflexive) : 'unknown'}`, { id: r.peerId, reflexive: r.reflexive });
      }
      // Each side's timeline counts from when its call began: now − setupMs, read as the call is
      // handed over (no clock read before the call, which a busy machine may delay from its start).
      const incoming = new Promise<{ call: EstablishedCall; began: number }>((resolve) => bob.onIncomingCall((call) => resolve({ call, began: performance.now() - call.setupMs })));
      const call = await alice.call('bob', { optimistic: values.optimistic, signal: io.signal });
      const t0 = performance.now() - call.setupMs;
      const { call: bobSide, began } = await incoming;
      // Bob's timeline starts when OpenWindow reached him; put it on alice's.
      const onBob = (k: string) => began - t0 + (bobSide.timeline[k] ?? 0);
      const ms = (x: number) => `+${x.toFixed(1).padStart(5)} ms`;
      const d = bobSide.window.detail ?? {};
      const rows: Array<[number, string, string]> = [
        [0, 'call', `alice -> manager  CallRequest(bob)${values.optimistic ? ' [optimistic]' : ''}`],
        [onBob('openWindow'), 'openWindow', `manager -> bob    OpenWindow: send the null packet to alice's candidates`],
        [onBob('windowOpen'), 'nullPacket', `bob -> alice      null datagram (0-byte payload, ttl ${String(d.ttl ?? '?')}) to ${String(d.nullPackets ?? '?')} candidate(s), ${Math.max(0, Number(d.repeats ?? 1) - 1)} repeats to follow: window opened in bob's firewall`],
        [onBob('windowOpened'), 'windowOpened', 'bob -> manager    WindowOpened'],
        [(this.times.at('ready') ?? t0) - t0, 'ready', `manager -> alice  Ready${values.optimistic ? ' (sent at once: optimistic)' : ''}`],
        [call.timeline.windowOpen ?? call.setupMs, 'firstDatagram', `alice <-> bob     ${call.security ? `Noise ${call.security.pattern} handshake in the probe and its answer: bob is ${call.security.remoteFingerprint}, session encrypted` : 'first datagram answered'} on the direct path (${call.window.strategy}, ${call.window.path})`],
      ];
      for (const [t, name, text] of rows.sort((x, y) => x[0] - y[0])) step(name, `${ms(t)}  ${text}`, { ms: Math.round(t * 100) / 100 });
      if (io.json) io.log.event('call.ready', readyFields(call, regs[0].reflexive ?? regs[0].candidates[0]));
      const rtt = await measureRtt(call, 5);
      step('rtt', `rtt          median ${rtt.medianMs} ms over 5 PING/PONG on the direct path; setup ${call.setupMs.toFixed(1)} ms`, rtt);
      await alice.hangup(call.callId, 'demo done');
      step('hangup', 'hangup       alice hung up; both sessions closed');
      return 0;
    } finally {
      await alice.close();
      await bob.close();
      await manager.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  }
}
