import * as fs from 'fs';
import { parseArgs } from 'util';
import * as path from 'path';
import { inject, injectable } from 'inversify';
import { ConfigError, formatHostPort, ManagerServerFactory, pinholeHome, type CommandContribution, type CommandIO } from '@pinhole/core';
import { parseHostPort, parseStunAlternate } from './host-port';
import type { RunningManagerFactory } from './factory';
import type { TurnServerOption } from './options';

const USAGE =
  'usage: pinhole manager [--listen HOST:PORT] [--udp HOST:PORT] [--stun-alt [HOST:]PORT|off] [--tls-cert FILE --tls-key FILE | --insecure] ' +
  '[--turn turn:HOST:PORT|turns:HOST:PORT --turn-secret SECRET [--turn-ca FILE]]… [--json]';

/** `pinhole manager`: runs the external manager until SIGINT/SIGTERM; prints one manager.ready event. */
@injectable()
export class ManagerCommand implements CommandContribution {
  readonly command = 'manager';

  constructor(@inject(ManagerServerFactory) private readonly factory: RunningManagerFactory) {}

  async run(argv: string[], io: CommandIO): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      options: {
        listen: { type: 'string' },
        udp: { type: 'string' },
        'stun-alt': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        insecure: { type: 'boolean', default: false },
        turn: { type: 'string', multiple: true, default: [] },
        'turn-secret': { type: 'string', multiple: true, default: [] },
        'turn-ca': { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    const listen = values.listen ? parseHostPort(values.listen, '--listen') : undefined;
    const udp = values.udp ? parseHostPort(values.udp, '--udp') : undefined;
    const alt = values['stun-alt'] !== undefined ? parseStunAlternate(values['stun-alt']) : undefined;
    if (!!values['tls-cert'] !== !!values['tls-key']) throw new ConfigError('E_TLS_INCOMPLETE', '--tls-cert and --tls-key go together (PEM files)');
    const tls = values['tls-cert'] ? { cert: readPem(values['tls-cert'], '--tls-cert'), key: readPem(values['tls-key']!, '--tls-key') } : undefined;
    if (tls && values.insecure) throw new ConfigError('E_USAGE', '--insecure turns TLS off; it cannot go with --tls-cert/--tls-key');
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
      turn: turnServers(values.turn, values['turn-secret'], values['turn-ca']),
    });
    const { tcp, udp: u, stunAlternate, tls: t } = manager.address();
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
