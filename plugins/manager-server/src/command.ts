import * as fs from 'fs';
import { parseArgs } from 'util';
import { ConfigError, formatHostPort, type CommandIO, type ManagerServerFactory } from '@pinhole/core';
import { parseHostPort, parseStunAlternate } from './host-port';

const USAGE = 'usage: pinhole manager [--listen HOST:PORT] [--udp HOST:PORT] [--stun-alt [HOST:]PORT|off] [--tls-cert FILE --tls-key FILE] [--json]';

/** `pinhole manager`: runs the external manager until SIGINT/SIGTERM; prints one manager.ready event. */
export function managerCommand(factory: ManagerServerFactory) {
  return async (argv: string[], io: CommandIO): Promise<number> => {
    const { values } = parseArgs({
      args: argv,
      options: {
        listen: { type: 'string' },
        udp: { type: 'string' },
        'stun-alt': { type: 'string' },
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
    const alt = values['stun-alt'] !== undefined ? parseStunAlternate(values['stun-alt']) : undefined;
    if (!!values['tls-cert'] !== !!values['tls-key']) throw new ConfigError('E_TLS_INCOMPLETE', '--tls-cert and --tls-key go together (PEM files)');
    const tls = values['tls-cert'] ? { cert: readPem(values['tls-cert'], '--tls-cert'), key: readPem(values['tls-key']!, '--tls-key') } : undefined;

    const manager = await factory.start({ host: listen?.host, port: listen?.port, udpHost: udp?.host, udpPort: udp?.port, stunAltPort: alt?.port, stunAltHost: alt?.host, tls });
    const { tcp, udp: u, stunAlternate } = manager.address();
    const scheme = tls ? 'wss' : 'ws';
    io.log.event('manager.ready', {
      tcp: formatHostPort(tcp.host, tcp.port),
      udp: formatHostPort(u.host, u.port),
      stunAlternate: stunAlternate && formatHostPort(stunAlternate.host, stunAlternate.port),
      ws: `${scheme}://${formatHostPort(tcp.host, tcp.port)}/`,
      tls: !!tls,
    });
    await new Promise<void>((resolve) => (io.signal.aborted ? resolve() : io.signal.addEventListener('abort', () => resolve(), { once: true })));
    await manager.close();
    io.log.event('manager.stopped', manager.stats());
    return 0;
  };
}

function readPem(file: string, flag: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError('E_TLS_FILE', `${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; give a readable PEM file`);
  }
}
