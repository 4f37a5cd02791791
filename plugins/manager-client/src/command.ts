import { parseArgs } from 'util';
import type { interfaces } from 'inversify';
import type { CommandIO } from '@pinhole/core';
import { createPeerClient } from './factory';

const USAGE = 'usage: pinhole peer --id NAME --manager HOST:PORT|ws://HOST:PORT [--udp-port N] [--udp-host ADDR] [--secret S] [--json]';

/**
 * `pinhole peer`: registers and stays up answering calls until SIGINT/SIGTERM. Prints
 * peer.registered (with the reflexive address), then call.incoming / call.ready / call.ended.
 */
export function peerCommand(container: interfaces.Container) {
  return async (argv: string[], io: CommandIO): Promise<number> => {
    const { values } = parseArgs({
      args: argv,
      options: {
        id: { type: 'string' },
        manager: { type: 'string' },
        'udp-port': { type: 'string', default: '0' },
        'udp-host': { type: 'string' },
        secret: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help || !values.id || !values.manager) {
      process.stderr.write(USAGE + '\n');
      return values.help ? 0 : 2;
    }
    const udpPort = Number(values['udp-port']);
    if (!Number.isInteger(udpPort) || udpPort < 0 || udpPort > 65535) {
      process.stderr.write(`pinhole peer: --udp-port ${values['udp-port']} is not a port 0–65535\n${USAGE}\n`);
      return 2;
    }
    const client = await createPeerClient(container, { peerId: values.id, manager: values.manager, udpPort, udpHost: values['udp-host'], secret: values.secret });
    client.on('incoming', (e) => io.log.event('call.incoming', e));
    client.on('ended', (e) => io.log.event('call.ended', { ...e }));
    client.onIncomingCall((call) =>
      io.log.event('call.ready', {
        callId: call.callId,
        peer: call.remotePeerId,
        setupMs: Math.round(call.setupMs * 100) / 100,
        path: call.window.path,
        strategy: call.window.strategy,
        remote: `${call.session.params.remote.address}:${call.session.params.remote.port}`,
      }),
    );
    try {
      await client.start(); // prints peer.registered
      await new Promise<void>((resolve) => (io.signal.aborted ? resolve() : io.signal.addEventListener('abort', () => resolve(), { once: true })));
      return 0;
    } finally {
      await client.close();
    }
  };
}
