import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { inject, injectable } from 'inversify';
import { AllowLists, ConfigError, securityOptions, SECURITY_FLAGS, ServiceLoader, type CommandContribution, type CommandIO } from '@pinhole/core';
import { ManagerPeerClientFactory } from './factory';
import { ClientOptions } from './options';
import { answerWithPayloads, offeredPayloadTypes } from './payloads';

const USAGE =
  'usage: pinhole peer --id NAME [--manager HOST:PORT|wss://HOST:PORT[,…]] [--allow NAME|FINGERPRINT|KEY]… [--allow-file FILE] [--allow-any] [--optimistic] ' +
  '[--identity FILE] [--known-peers FILE] [--ca FILE] [--manager-fingerprint sha256:…] [--insecure] [--udp-port N] [--udp-host ADDR] [--inbox DIR [--overwrite]] [--voice REPLY.wav] [--video REPLY.y4m] [--json]';

/**
 * `pinhole peer`: registers and stays up answering calls until SIGINT/SIGTERM. Prints
 * peer.registered (with the reflexive address), then call.incoming / call.ready / call.ended.
 */
@injectable()
export class PeerCommand implements CommandContribution {
  readonly command = 'peer';

  constructor(
    @inject(ManagerPeerClientFactory) private readonly clients: ManagerPeerClientFactory,
    @inject(ServiceLoader) private readonly loader: ServiceLoader,
    @inject(ClientOptions) private readonly options: ClientOptions,
    @inject(AllowLists) private readonly allowLists: AllowLists,
  ) {}

  async run(argv: string[], io: CommandIO): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      options: {
        id: { type: 'string' },
        manager: { type: 'string' },
        'udp-port': { type: 'string', default: '0' },
        'udp-host': { type: 'string' },
        ...SECURITY_FLAGS,
        allow: { type: 'string', multiple: true, default: [] },
        'allow-file': { type: 'string' },
        'allow-any': { type: 'boolean', default: false },
        optimistic: { type: 'boolean', default: false },
        inbox: { type: 'string' },
        overwrite: { type: 'boolean', default: false },
        voice: { type: 'string' },
        video: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
    const configured = this.options.managers;
    if (values.help || !values.id || (!values.manager && !configured.length)) {
      process.stderr.write(USAGE + '\n');
      return values.help ? 0 : 2;
    }
    const udpPort = Number(values['udp-port']);
    if (!Number.isInteger(udpPort) || udpPort < 0 || udpPort > 65535) {
      process.stderr.write(`pinhole peer: --udp-port ${values['udp-port']} is not a port 0–65535\n${USAGE}\n`);
      return 2;
    }
    const inbox = values.inbox ? path.resolve(values.inbox) : undefined;
    if (inbox && !fs.statSync(inbox, { throwIfNoEntry: false })?.isDirectory())
      throw new ConfigError('E_FILE_INBOX', `--inbox ${values.inbox} is not an existing folder; create it first`);
    const answer = { inbox, overwrite: values.overwrite, voice: values.voice, video: values.video };
    const policy = await this.allowLists.policy({ allow: values.allow, allowFile: values['allow-file'], allowAny: values['allow-any'], optimistic: values.optimistic });
    const client = await this.clients.create({
      peerId: values.id,
      manager: values.manager,
      udpPort,
      udpHost: values['udp-host'],
      payloadTypes: offeredPayloadTypes(answer),
      policy,
      ...securityOptions(values),
      log: io.log,
    });
    if (policy.mode === 'none') io.log.warn(`"${values.id}" ${this.allowLists.describe(policy)}`);
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
      await answerWithPayloads(this.loader, client, answer, io);
      await client.start(); // prints peer.registered
      await new Promise<void>((resolve) => (io.signal.aborted ? resolve() : io.signal.addEventListener('abort', () => resolve(), { once: true })));
      return 0;
    } finally {
      await client.close();
    }
  }
}
