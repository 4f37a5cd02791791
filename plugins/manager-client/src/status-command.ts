import { inject, injectable } from 'inversify';
import {
  printHelp,
  defineCommand,
  IdentityStore,
  parseCommand,
  securityOptions,
  SECURITY_FLAGS,
  usageError,
  type CommandContribution,
  type CommandIO,
  type ManagerSnapshot,
} from '@pinhole/core';
import { fetchManagerStatus } from './admin-client';
import { parseManagerAddress } from './client/manager-address';
import { managerTrust } from './client/manager-trust';
import { ClientOptions } from './options';
import { readPeerStates, type PeerState } from './peer-state';

export const STATUS_SPEC = defineCommand({
  name: 'status',
  summary:
    'Without --manager: the peers running on this machine ("pinhole peer"), each registered or not and why, with its manager, reflexive address, whom it accepts and its calls. With --manager: that manager\'s registered peers and live calls (path, setup time), setup times and refusals, for its operator (the admin token).',
  options: {
    manager: { type: 'string', arg: 'HOST:PORT', description: 'ask this manager (HOST:PORT, tls://, wss://; http with --insecure) instead of listing local peers' },
    'admin-token': { type: 'string', arg: 'TOKEN', defaultText: '$PINHOLE_ADMIN_TOKEN', description: 'with --manager: the manager\'s admin token (manager.ready prints it)' },
    ca: SECURITY_FLAGS.ca,
    'manager-fingerprint': SECURITY_FLAGS['manager-fingerprint'],
    'known-peers': SECURITY_FLAGS['known-peers'],
    identity: SECURITY_FLAGS.identity,
    insecure: SECURITY_FLAGS.insecure,
  },
  notes: ['Exit codes: 0 shown, 1 the manager could not be asked (unreachable, token refused), 2 a usage error.'],
});

/** `pinhole status`: this machine's peers, or (operator) a manager's peers and calls. */
@injectable()
export class StatusCommand implements CommandContribution {
  readonly command = 'status';

  constructor(
    @inject(IdentityStore) private readonly identities: IdentityStore,
    @inject(ClientOptions) private readonly options: ClientOptions,
  ) {}

  async run(argv: string[], io: CommandIO): Promise<number> {
    const { values, help } = parseCommand(STATUS_SPEC, argv);
    if (help) return printHelp(STATUS_SPEC);
    if (!values.manager) {
      if (values['admin-token']) throw usageError('status', '--admin-token goes with --manager HOST:PORT');
      const peers = readPeerStates();
      if (io.json) for (const p of peers) io.log.event('peer.status', { ...p });
      else process.stdout.write(renderLocal(peers) + '\n');
      return 0;
    }
    const token = values['admin-token'] ?? process.env.PINHOLE_ADMIN_TOKEN;
    if (!token) throw usageError('status', '--manager needs the manager\'s admin token: --admin-token TOKEN (or PINHOLE_ADMIN_TOKEN)');
    const addr = parseManagerAddress(values.manager, values.insecure);
    const sec = securityOptions(values);
    let trust;
    if (addr.tls) {
      const identityFile = values.identity ?? (values['known-peers'] ? undefined : (await this.identities.load()).identity.file);
      const knownPeers = await this.identities.knownPeers(values['known-peers'], identityFile);
      trust = managerTrust(addr, { ca: sec.ca, managerFingerprint: sec.managerFingerprint }, { knownPeers, log: io.log });
    }
    const snap = await fetchManagerStatus(addr, trust, token, this.options.connectTimeoutMs);
    if (io.json) io.log.event('manager.status', { manager: addr.text, ...snap });
    else process.stdout.write(renderManager(addr.text, snap) + '\n');
    return 0;
  }
}

const ago = (t: number, now = Date.now()) => {
  const s = Math.max(0, Math.round((now - t) / 1000));
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 3600)} h`;
};
const ms = (x: number | undefined) => (x === undefined ? '–' : `${x.toFixed(1)} ms`);

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => '  ' + r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
}

export function renderLocal(peers: Array<PeerState & { live: boolean }>): string {
  if (peers.length === 0) return 'no peer runs on this machine (start one with: pinhole peer --id NAME --manager HOST:PORT)';
  return [
    `peers on this machine (${peers.length}):`,
    ...table([
      ['id', 'state', 'manager', 'reflexive', 'accepts', 'payloads', 'calls', 'since', 'problem'],
      ...peers.map((p) => [p.id, !p.live ? 'stale (process gone)' : p.registered ? 'registered' : 'waiting', p.manager, p.reflexive ?? '–', p.accepts, p.payloadTypes.join(',') || '–', String(p.calls), ago(p.since), p.problem ?? '']),
    ]),
  ].join('\n');
}

export function renderManager(manager: string, s: ManagerSnapshot): string {
  const c = s.counters;
  const refusals = Object.entries(c.refusals).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  return [
    `manager ${manager}: node ${s.node}${s.directory ? `, directory ${s.directory}${s.directoryHealth.up ? '' : ' (UNREACHABLE)'}` : ''}${s.directoryHealth.outages ? ` (${s.directoryHealth.outages} outage(s) so far)` : ''}, up ${ago(s.startedAt, s.at)}`,
    `peers (${s.peers.length}):`,
    ...(s.peers.length ? table([['id', 'fingerprint', 'via', 'from', 'reflexive', 'accepts', 'calls'], ...s.peers.map((p) => [p.id, p.fingerprint, p.transport, p.remote, p.reflexive ?? '–', p.accepts, String(p.calls)])]) : []),
    `calls (${s.calls.length}):`,
    ...(s.calls.length
      ? table([
          ['caller', 'callee', 'state', 'path', 'setup', 'manager setup', 'encrypted', 'for'],
          ...s.calls.map((x) => [x.caller, x.callee, x.state, x.path ? `${x.path}/${x.strategy}` : '…', ms(x.setupMs), ms(x.managerSetupMs), x.encrypted === undefined ? '…' : x.encrypted ? 'yes' : 'NO', ago(x.startedAt, s.at)]),
        ])
      : []),
    `setups: ${s.setup.count}${s.setup.count ? `, mean ${(s.setup.sumMs / s.setup.count).toFixed(1)} ms` : ''}; STUN: ${c.stunRequests} requests, ${c.stunProbes} probes, ${c.stunDropped} dropped; refusals: ${refusals}`,
  ].join('\n');
}
