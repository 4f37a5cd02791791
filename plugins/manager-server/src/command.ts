import * as fs from 'fs';
import { parseArgs } from 'util';
import * as path from 'path';
import { inject, injectable } from 'inversify';
import { ConfigError, ManagerServerFactory, pinholeHome, type CommandContribution, type CommandIO } from '@pinhole/core';
import { formatHostPort, parseHostPort } from './host-port';
import type { RunningManagerFactory } from './factory';

const USAGE = 'usage: pinhole manager [--listen HOST:PORT] [--udp HOST:PORT] [--tls-cert FILE --tls-key FILE | --insecure] [--json]';

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
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        insecure: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    const listen = values.listen ? parseHostPort(values.listen, '--listen') : undefined;
    const udp = values.udp ? parseHostPort(values.udp, '--udp') : undefined;
    if (!!values['tls-cert'] !== !!values['tls-key']) throw new ConfigError('E_TLS_INCOMPLETE', '--tls-cert and --tls-key go together (PEM files)');
    const tls = values['tls-cert'] ? { cert: readPem(values['tls-cert'], '--tls-cert'), key: readPem(values['tls-key']!, '--tls-key') } : undefined;
    if (tls && values.insecure) throw new ConfigError('E_USAGE', '--insecure turns TLS off; it cannot go with --tls-cert/--tls-key');
    const home = pinholeHome();
    const selfSignedDir = home && path.join(home, 'manager');

    // Without --udp, STUN binds where --listen does (the options leave udpHost to follow host).
    const manager = await this.factory.start({ host: listen?.host, port: listen?.port, udpHost: udp?.host, udpPort: udp?.port, tls, selfSignedDir, insecure: values.insecure });
    const { tcp, udp: u, tls: t } = manager.address();
    const hostPort = formatHostPort(tcp.host, tcp.port);
    io.log.event('manager.ready', {
      tcp: hostPort,
      udp: formatHostPort(u.host, u.port),
      ws: `${t ? 'wss' : 'ws'}://${hostPort}/`,
      tls: t ? (t.selfSigned ? 'self-signed' : 'certificate') : 'off',
      ...(t ? { pin: t.pin } : {}),
      node: manager.nodeId,
      directory: manager.directoryName,
    });
    if (t?.selfSigned && !io.json)
      io.log.warn(`self-signed TLS certificate (kept in ${selfSignedDir ?? 'memory only'}); peers pin it on first contact, or give them --manager-fingerprint ${t.pin}. For production use --tls-cert/--tls-key from a CA`);
    await new Promise<void>((resolve) => (io.signal.aborted ? resolve() : io.signal.addEventListener('abort', () => resolve(), { once: true })));
    await manager.close();
    io.log.event('manager.stopped', { node: manager.nodeId, directory: manager.directoryName, ...manager.stats() });
    return 0;
  }
}

function readPem(file: string, flag: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError('E_TLS_FILE', `${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; give a readable PEM file`);
  }
}
