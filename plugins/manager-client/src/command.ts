import * as fs from 'fs';
import * as path from 'path';
import { inject, injectable } from 'inversify';
import {
  AllowLists,
  printHelp,
  ConfigError,
  defineCommand,
  formatHostPort,
  parseCommand,
  portFlag,
  securityOptions,
  CLIENT_FLAGS,
  ServiceLoader,
  usageError,
  type CommandContribution,
  type CommandIO,
  type PinholeError,
  type RegisteredInfo,
} from '@pinhole/core';
import { Backoff } from './client/backoff';
import type { ManagerPeerClient } from './client/peer-client';
import { ManagerPeerClientFactory } from './factory';
import { ClientOptions } from './options';
import { answerWithPayloads, offeredPayloads } from './payloads';
import { PeerStateFile } from './peer-state';

export const PEER_SPEC = defineCommand({
  name: 'peer',
  summary:
    'Registers NAME with the manager under this peer\'s key and stays up answering calls until Ctrl-C: from the callers it allows (nobody by default, and it says so). With --inbox it accepts files (verified, resumable) and records voice and video calls there; with --voice it says REPLY.wav on every voice call, with --video it sends REPLY.y4m on every video call. Prints peer.registered, then call.incoming / call.ready / call.ended per call. If the manager is down it keeps retrying, at start too (unless --once).',
  options: {
    id: { type: 'string', arg: 'NAME', required: true, description: 'the name to register as (bound to this peer\'s key on first registration)' },
    ...CLIENT_FLAGS,
    allow: { type: 'string', multiple: true, arg: 'NAME|FINGERPRINT|KEY', default: [], description: 'a caller allowed to call (repeatable)' },
    'allow-file': { type: 'string', arg: 'FILE', description: 'allowed callers, one name, fingerprint or key per line' },
    'allow-any': { type: 'boolean', default: false, description: 'take calls from anyone' },
    optimistic: { type: 'boolean', default: false, description: 'let the manager give callers our addresses before we confirm (one round trip less)' },
    inbox: { type: 'string', arg: 'DIR', description: 'accept files into DIR (an existing folder) and record voice calls there' },
    overwrite: { type: 'boolean', default: false, description: 'with --inbox: replace a file of the same name (default: refuse it with E_FILE_EXISTS)' },
    voice: { type: 'string', arg: 'REPLY.wav', description: 'answer voice calls saying this WAV (16-bit PCM, mono)' },
    video: { type: 'string', arg: 'REPLY.y4m', description: 'answer video calls sending this Y4M (4:2:0) back' },
    once: { type: 'boolean', default: false, description: 'exit (code 1) if the first registration fails, instead of retrying until the manager answers' },
  },
  notes: ['Exit codes: 0 stopped by SIGTERM, 130 by Ctrl-C, 1 a failure (manager refused us, bad files), 2 a usage error.'],
});

/** Failures at start that waiting cannot cure: stop, whatever --once says. */
const FINAL_AT_START = /^E_(ID_TAKEN|REGISTER_|MANAGER_UNTRUSTED|MANAGER_KEY_CHANGED|PROTOCOL|INSECURE|BAD_ADDRESS|IDENTITY|CA_FILE|REPLACED|OUT_OF_ORDER|SESSION_UNPROTECTED)/;

/**
 * `pinhole peer`: registers and stays up answering calls until SIGINT/SIGTERM. Prints
 * peer.registered (with the reflexive address), then call.incoming / call.ready / call.ended.
 * Its state is in $PINHOLE_HOME/running/NAME.json for `pinhole status`.
 */
@injectable()
export class PeerCommand implements CommandContribution {
  readonly command = 'peer';

  constructor(
    @inject(ManagerPeerClientFactory) private readonly clients: ManagerPeerClientFactory,
    @inject(ServiceLoader) private readonly loader: ServiceLoader,
    @inject(AllowLists) private readonly allowLists: AllowLists,
    @inject(ClientOptions) private readonly options: ClientOptions,
  ) {}

  async run(argv: string[], io: CommandIO): Promise<number> {
    const { values, help } = parseCommand(PEER_SPEC, argv);
    if (help) return printHelp(PEER_SPEC);
    const udpPort = portFlag('peer', 'udp-port', values['udp-port']);
    if (!values.manager && !this.options.managers.length)
      throw usageError('peer', '--manager HOST:PORT is required (or list the managers in the config: plugins.manager-client.options.managers)');
    if (values.overwrite && !values.inbox) throw usageError('peer', '--overwrite applies to files received into --inbox DIR; give --inbox too');
    const inbox = values.inbox ? path.resolve(values.inbox) : undefined;
    if (inbox && !fs.statSync(inbox, { throwIfNoEntry: false })?.isDirectory())
      throw new ConfigError('E_FILE_INBOX', `--inbox ${values.inbox} is not an existing folder; create it first`);
    const offered = await offeredPayloads(this.loader, { inbox, overwrite: values.overwrite, voice: values.voice, video: values.video }, io);
    const policy = await this.allowLists.policy({ allow: values.allow, allowFile: values['allow-file'], allowAny: values['allow-any'], optimistic: values.optimistic });
    const client = (await this.clients.create({
      peerId: values.id!,
      manager: values.manager,
      udpPort,
      udpHost: values['udp-host'],
      payloadTypes: offered.payloadTypes,
      meta: offered.meta,
      policy,
      ...securityOptions(values),
      log: io.log,
    })) as ManagerPeerClient;
    if (policy.mode === 'none') io.log.warn(`"${values.id}" ${this.allowLists.describe(policy)}`);
    const state = new PeerStateFile({ id: values.id!, manager: values.manager ?? this.options.managers.join(','), fingerprint: client.identity.fingerprint, accepts: policy.mode === 'list' ? policy.allow.join(',') : policy.mode, payloadTypes: offered.payloadTypes });
    const registered = (r: RegisteredInfo) => state.update({ registered: true, since: Date.now(), problem: undefined, reflexive: r.reflexive && formatHostPort(r.reflexive.address, r.reflexive.port), candidates: r.candidates.map((c) => formatHostPort(c.address, c.port)) });
    client.on('registered', registered);
    client.on('disconnected', (e) => state.update({ registered: false, since: Date.now(), problem: e.reason }));
    client.on('stopped', (e) => state.update({ registered: false, problem: `${e.code}: ${e.message}` }));
    client.on('incoming', (e) => io.log.event('call.incoming', e));
    client.on('ended', (e) => {
      state.update({ calls: Math.max(0, state.current.calls - 1) });
      io.log.event('call.ended', { ...e });
    });
    client.onIncomingCall((call) => {
      state.update({ calls: state.current.calls + 1 });
      io.log.event('call.ready', {
        callId: call.callId,
        peer: call.remotePeerId,
        setupMs: Math.round(call.setupMs * 100) / 100,
        path: call.session.path.kind,
        strategy: call.window.strategy,
        remote: formatHostPort(call.session.path.remote.address, call.session.path.remote.port),
      });
    });
    try {
      await answerWithPayloads(this.loader, client, { inbox, overwrite: values.overwrite, voice: offered.voice, video: offered.video }, io);
      state.update({});
      if (!(await this.firstRegistration(client, state, values.once, io))) return io.signal.aborted ? 0 : 1;
      await new Promise<void>((resolve) => (io.signal.aborted ? resolve() : io.signal.addEventListener('abort', () => resolve(), { once: true })));
      return 0;
    } finally {
      state.remove();
      await client.close();
    }
  }

  /** Registers, retrying with backoff while the manager cannot be reached (unless --once); false when it gave up. */
  private async firstRegistration(client: ManagerPeerClient, state: PeerStateFile, once: boolean, io: CommandIO): Promise<boolean> {
    const backoff = new Backoff(this.options.reconnectMinMs, this.options.reconnectMaxMs);
    for (let attempt = 1; ; attempt++) {
      try {
        await client.start(); // prints peer.registered
        return true;
      } catch (err) {
        const e = err as PinholeError;
        if (once || FINAL_AT_START.test(e.code ?? '') || io.signal.aborted) {
          if (!io.signal.aborted) throw err;
          return false;
        }
        const delay = backoff.next();
        state.update({ registered: false, problem: `${e.code}: ${e.message}` });
        io.log.event('peer.waiting', { id: client.peerId, attempt, retryInMs: Math.round(delay), code: e.code, message: e.message });
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          io.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
        });
        if (io.signal.aborted) return false;
      }
    }
  }
}
