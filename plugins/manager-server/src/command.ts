import * as fs from 'fs';
import * as path from 'path';
import { inject, injectable } from 'inversify';
import { printHelp, ConfigError, defineCommand, formatHostPort, ManagerServerFactory, parseCommand, parseHostPort, parseStunAlternate, pinholeHome, usageError, type CommandContribution, type CommandIO } from '@pinhole/core';
import type { RunningManagerFactory } from './factory';
import type { TurnServerOption } from './options';

export const MANAGER_SPEC = defineCommand({
  name: 'manager',
  summary:
    'Runs the external manager until Ctrl-C: TLS with TCP and WebSocket on one port, STUN on UDP, and on the same port the operator dashboard (/) and Prometheus metrics (/metrics) for requests carrying "Authorization: Bearer TOKEN". Prints manager.ready with its addresses, its certificate pin and the admin token.',
  options: {
    listen: { type: 'string', arg: 'HOST:PORT', defaultText: 'the config\'s host:port, 0.0.0.0:8080', description: 'TCP + WebSocket + dashboard address ([::1]:8080 for IPv6; port 0 picks a free one)' },
    udp: { type: 'string', arg: 'HOST:PORT', defaultText: 'the --listen host, port 3478', description: 'STUN responder address' },
    'tls-cert': { type: 'string', arg: 'FILE', defaultText: 'a self-signed certificate made once in $PINHOLE_HOME/manager/', description: 'PEM certificate (with --tls-key), e.g. from a CA' },
    'tls-key': { type: 'string', arg: 'FILE', description: 'PEM private key of --tls-cert' },
    'admin-token': { type: 'string', arg: 'TOKEN', defaultText: '$PINHOLE_ADMIN_TOKEN, else a random one printed in manager.ready', description: 'bearer token for the dashboard, /metrics and pinhole status' },
    'stun-alt': { type: 'string', arg: '[HOST:]PORT|off', defaultText: 'a free port on the --udp address', description: 'the second STUN port (and address) peers classify their NAT against (RFC 5780)' },
    turn: { type: 'string', multiple: true, default: [], arg: 'turn:HOST:PORT|turns:HOST:PORT', description: 'a TURN server (coturn with use-auth-secret) to relay calls no direct path serves (repeatable, each with its --turn-secret)' },
    'turn-secret': { type: 'string', multiple: true, default: [], arg: 'SECRET', description: 'the static-auth-secret of the --turn server in the same position (--turn-secret=VALUE if it starts with -)' },
    'turn-ca': { type: 'string', multiple: true, default: [], arg: 'FILE', description: 'PEM CA of a turns: server with a private certificate' },
    insecure: { type: 'boolean', default: false, description: 'plain TCP/WebSocket/HTTP without TLS, for debugging (peers need --insecure too)' },
  },
  notes: ['The directory backend is the config\'s plugins.manager-server.options.directory (default "memory"); manager.ready names it.'],
});

/** `pinhole manager`: runs the external manager until SIGINT/SIGTERM; prints one manager.ready event. */
@injectable()
export class ManagerCommand implements CommandContribution {
  readonly command = 'manager';

  constructor(@inject(ManagerServerFactory) private readonly factory: RunningManagerFactory) {}

  async run(argv: string[], io: CommandIO): Promise<number> {
    const { values, help } = parseCommand(MANAGER_SPEC, argv);
    if (help) return printHelp(MANAGER_SPEC);
    const listen = values.listen ? parseHostPort(values.listen, '--listen') : undefined;
    const udp = values.udp ? parseHostPort(values.udp, '--udp') : undefined;
    if (!!values['tls-cert'] !== !!values['tls-key']) throw usageError('manager', '--tls-cert and --tls-key go together (PEM files)');
    if (values['tls-cert'] && values.insecure) throw usageError('manager', '--insecure turns TLS off; it cannot go with --tls-cert/--tls-key');
    const alt = values['stun-alt'] !== undefined ? parseStunAlternate(values['stun-alt']) : undefined;
    const tls = values['tls-cert'] ? { cert: readPem(values['tls-cert'], '--tls-cert'), key: readPem(values['tls-key']!, '--tls-key') } : undefined;
    const adminToken = values['admin-token'] ?? process.env.PINHOLE_ADMIN_TOKEN;
    if (adminToken !== undefined && adminToken.length < 16)
      throw usageError('manager', '--admin-token needs at least 16 characters (better: leave it out and use the random one manager.ready prints)');
    const home = pinholeHome();
    const selfSignedDir = home && path.join(home, 'manager');

    // Without --udp, STUN binds where --listen does (the options leave udpHost to follow host).
    const manager = await this.factory.start({
      host: listen?.host,
      port: listen?.port,
      udpHost: udp?.host,
      udpPort: udp?.port,
      stunAltPort: alt?.port,
      stunAltHost: alt?.host,
      tls,
      selfSignedDir,
      insecure: values.insecure,
      adminToken,
      turn: turnServers(values.turn, values['turn-secret'], values['turn-ca']),
    });
    const { tcp, udp: u, stunAlternate, tls: t, admin } = manager.address();
    const hostPort = formatHostPort(tcp.host, tcp.port);
    io.log.event('manager.ready', {
      tcp: hostPort,
      udp: formatHostPort(u.host, u.port),
      stunAlternate: stunAlternate && formatHostPort(stunAlternate.host, stunAlternate.port),
      ws: `${t ? 'wss' : 'ws'}://${hostPort}/`,
      tls: t ? (t.selfSigned ? 'self-signed' : 'certificate') : 'off',
      ...(t ? { pin: t.pin } : {}),
      node: manager.nodeId,
      directory: manager.directoryName,
      turn: manager.turnServers,
      dashboard: `${t ? 'https' : 'http'}://${hostPort}/`,
      // Printed only when generated here: a token the operator chose is theirs already (and stays out of logs).
      ...(admin?.generated ? { adminToken: admin.token } : {}),
    });
    if (t?.selfSigned && !io.json)
      io.log.warn(`self-signed TLS certificate (kept in ${selfSignedDir ?? 'memory only'}); peers pin it on first contact, or give them --manager-fingerprint ${t.pin}. For production use --tls-cert/--tls-key from a CA`);
    await new Promise<void>((resolve) => (io.signal.aborted ? resolve() : io.signal.addEventListener('abort', () => resolve(), { once: true })));
    await manager.close();
    io.log.event('manager.stopped', { node: manager.nodeId, directory: manager.directoryName, ...manager.stats() });
    return 0;
  }
}

/**
 * `--turn URI` (repeatable) with `--turn-secret S`: one secret for every server, or one per
 * --turn in order; `--turn-ca FILE` likewise (for turns: servers). No --turn: the config's list.
 */
function turnServers(uris: string[], secrets: string[], cas: string[]): TurnServerOption[] | undefined {
  if (uris.length === 0) {
    if (secrets.length || cas.length) throw new ConfigError('E_USAGE', '--turn-secret and --turn-ca go with --turn URI');
    return undefined;
  }
  const nth = (list: string[], i: number, flag: string, required: boolean): string | undefined => {
    if (list.length === 1) return list[0];
    if (list.length === uris.length) return list[i];
    if (list.length === 0 && !required) return undefined;
    throw new ConfigError('E_USAGE', `${flag}: give one for every --turn, or one for all (${uris.length} --turn, ${list.length} ${flag})`);
  };
  return uris.map((uri, i) => ({ uri, secret: nth(secrets, i, '--turn-secret', true)!, ...(cas.length ? { ca: nth(cas, i, '--turn-ca', false) } : {}) }));
}

function readPem(file: string, flag: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError('E_TLS_FILE', `${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; give a readable PEM file`);
  }
}
