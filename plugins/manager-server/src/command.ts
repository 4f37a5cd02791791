import * as fs from 'fs';
import { parseArgs } from 'util';
import { inject, injectable } from 'inversify';
import { ConfigError, ManagerServerFactory, type CommandContribution, type CommandIO } from '@pinhole/core';
import type { RunningManagerFactory } from './factory';
import { parseHostPort } from './host-port';

const USAGE = 'usage: pinhole manager [--listen HOST:PORT] [--udp HOST:PORT] [--tls-cert FILE --tls-key FILE] [--json]';

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

    // Without --udp, STUN binds where --listen does (the options leave udpHost to follow host).
    const manager = await this.factory.start({ host: listen?.host, port: listen?.port, udpHost: udp?.host, udpPort: udp?.port, tls });
    const { tcp, udp: u } = manager.address();
    const scheme = tls ? 'wss' : 'ws';
    io.log.event('manager.ready', {
      tcp: `${tcp.host}:${tcp.port}`,
      udp: `${u.host}:${u.port}`,
      ws: `${scheme}://${tcp.host}:${tcp.port}/`,
      tls: !!tls,
      node: manager.nodeId,
      directory: manager.directoryName,
    });
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
