import {
  AllowLists,
  FileTransfer,
  PayloadType,
  PeerClientFactory,
  PinholeError,
  type PayloadEndpoint,
  VideoService,
  VoiceService,
  type Disposable,
  type FileReceived,
  type FileSent,
  type Logger,
  type PayloadProgress,
  type PeerClient,
  type RegisteredInfo,
  type ServiceLoader,
  type VideoCall,
  type VideoOptions,
  type VoiceCall,
  type VoiceOptions,
} from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { Call } from './call';
import { Events } from './events';
import { createHost, startOnHost, type HostInit } from './host';
import type { Manager } from './manager';

export interface PeerInit extends HostInit {
  /** The name to register as (bound to this peer's key on first registration). */
  id: string;
  /**
   * The manager: `HOST:PORT` (TLS), `tls://`, `wss://` (`tcp://`, `ws://` with insecure), several
   * nodes of one deployment (a list: fail-over), or a Manager from createManager().
   */
  manager: string | readonly string[] | Manager;
  /** Ed25519 key file; default $PINHOLE_HOME/identity.pem, else ~/.pinhole/identity.pem (made on first use). */
  identity?: string;
  /** Pins of peer keys and manager certificates; default known_peers beside the identity. */
  knownPeers?: string;
  /** Who may call: names, fingerprints or keys, or 'any'. Default: nobody (calls out only). */
  allow?: readonly string[] | 'any';
  /** Let the manager give allowed callers our addresses before we confirm (one round trip less). */
  optimistic?: boolean;
  /** Accept files into this existing folder (the `file` event tells each one). */
  inbox?: string;
  /** With inbox: replace a file of the same name. */
  overwrite?: boolean;
  /** Payload types to register besides what inbox implies (a plugin's, e.g. "template-payload"). */
  payloadTypes?: readonly string[];
  /** The manager certificate's pin (`sha256:…`); taken from a Manager object. Default: pinned on first contact. */
  managerFingerprint?: string;
  /** PEM CA the manager's certificate must validate against. */
  ca?: string | Buffer;
  /** Plain control channel and unencrypted sessions, for debugging (every end must use it). */
  insecure?: boolean;
  udpPort?: number;
  udpHost?: string;
  /** Aborting it closes the peer. */
  signal?: AbortSignal;
}

export interface CallInit {
  /** Payload types this call will carry (the callee refuses at once if it lacks one). */
  payloadTypes?: readonly string[];
  timeoutMs?: number;
  signal?: AbortSignal;
  optimistic?: boolean;
}

export interface SendFileOptions {
  signal?: AbortSignal;
  onProgress?: (p: PayloadProgress) => void;
}

/** What a Peer tells its listeners. */
export interface PeerEvents extends Record<string, unknown> {
  /** An incoming call is up (also what onCall() handlers get). */
  call: Call;
  /** A file arrived verified in the inbox. */
  file: FileReceived & { from: string };
  registered: RegisteredInfo & { reconnected: boolean };
  disconnected: { reason: string; reconnect: boolean };
  /** A call ended (either side), with its datagram counts. */
  ended: { callId: string; peer: string; reason: string };
  /** A handler threw. */
  error: unknown;
}

/** A registered peer: calls out, answers the callers it allows, sends and receives files and voice. */
export class Peer {
  readonly events = new Events<PeerEvents>();
  private readonly calls = new Set<Call>();
  private closing?: Promise<void>;

  private constructor(
    readonly host: Host,
    private readonly client: PeerClient & { identity?: { fingerprint: string }; registration?: RegisteredInfo },
    private readonly init: PeerInit,
    /** The file service, when an inbox is set or a file was sent. */
    private files?: FileTransfer,
  ) {}

  /** @internal use createPeer() */
  static async create(init: PeerInit): Promise<Peer> {
    if (!init.id) throw new PinholeError('E_USAGE', 'createPeer needs an id (the name to register as)');
    if (init.signal?.aborted) throw new PinholeError('E_ABORTED', 'createPeer was aborted before it started');
    const host = createHost(init);
    return startOnHost(host, init.signal, async () => {
      await host.start();
      const factory = await host.services.load<PeerClientFactory>(PeerClientFactory, 'onPeer', 'a peer needs the manager-client plugin');
      const allow = init.allow === 'any' ? { allowAny: true } : { allow: [...(init.allow ?? [])] };
      const policy = await (await host.services.load<AllowLists>(AllowLists, undefined, 'a peer needs the identity-ed25519 plugin')).policy({ ...allow, optimistic: init.optimistic });
      const files = init.inbox ? await host.services.load<FileTransfer>(FileTransfer, 'onPayload:file', 'inbox needs the payload-file plugin') : undefined;
      const m = typeof init.manager === 'string' || Array.isArray(init.manager) ? { address: init.manager as string | readonly string[], pin: undefined } : (init.manager as Manager);
      const client = await factory.create({
        peerId: init.id,
        manager: typeof m.address === 'string' ? m.address : [...m.address],
        managerFingerprint: init.managerFingerprint ?? m.pin,
        payloadTypes: [...new Set([...(init.inbox ? ['file'] : []), ...(init.payloadTypes ?? [])])],
        meta: init.inbox ? {} : { 'why-not.file': 'it runs without an inbox, so it accepts no files' },
        policy,
        identity: init.identity,
        knownPeers: init.knownPeers,
        ca: init.ca,
        insecure: init.insecure,
        udpPort: init.udpPort,
        udpHost: init.udpHost,
        log: host.log,
      });
      const peer = new Peer(host, client, init, files);
      peer.wire();
      try {
        await client.start();
      } catch (err) {
        await peer.close();
        throw err;
      }
      return peer;
    });
  }

  get id(): string {
    return this.client.peerId;
  }
  /** This peer's key fingerprint (what others --allow). */
  get fingerprint(): string | undefined {
    return this.client.identity?.fingerprint;
  }
  /** The current registration (addresses, reflexive address from STUN), if registered. */
  get registration(): RegisteredInfo | undefined {
    return this.client.registration;
  }
  get registered(): boolean {
    return this.client.registered;
  }
  /** Plugin services (activate by event, resolve by identifier): for payload types of other plugins. */
  get services(): ServiceLoader {
    return this.host.services;
  }

  on<K extends keyof PeerEvents & string>(event: K, handler: (e: PeerEvents[K]) => void): Disposable {
    return this.events.on(event, handler);
  }

  /** Handles each incoming call once its direct path is up. */
  onCall(handler: (call: Call) => void): Disposable {
    return this.events.on('call', handler);
  }

  /** Calls `name`; resolves when the direct path is up (authenticated and encrypted). */
  async call(name: string, opts: CallInit = {}): Promise<Call> {
    const raw = await this.client.call(name, { ...opts, payloadTypes: opts.payloadTypes ? [...opts.payloadTypes] : undefined });
    return this.track(new Call(raw, this.client));
  }

  /**
   * Sends files to a peer's inbox: over `to` if it is a Call, else over a new call to that name
   * (hung up when done). Resolves with what the receiver verified; rejects with the first file
   * refused (E_FILE_EXISTS, E_FILE_SIZE …) or a call that could not be made.
   */
  async sendFile(to: string | Call, files: string | readonly string[], opts: SendFileOptions = {}): Promise<FileSent[]> {
    const transfer = (this.files ??= await this.host.services.load<FileTransfer>(FileTransfer, 'onPayload:file', 'sending files needs the payload-file plugin'));
    const call = typeof to === 'string' ? await this.call(to, { payloadTypes: ['file'], signal: opts.signal }) : to;
    try {
      const outcomes = await transfer.sendFiles(call.raw, typeof files === 'string' ? [files] : [...files], { log: this.host.log, bar: false, signal: opts.signal, onProgress: opts.onProgress });
      const failed = outcomes.find((o) => !o.ok);
      if (failed && !failed.ok) throw failed.error;
      return outcomes.filter((o): o is FileSent & { ok: true } => o.ok);
    } finally {
      if (typeof to === 'string') await call.hangup('files sent');
    }
  }

  /**
   * Attaches a payload type of any plugin (`template-payload` …) to a call; both sides attach.
   * Its plugin is activated on `onPayload:<name>`.
   */
  async payload<Item = unknown, Sent = unknown, Received = unknown>(call: Call, name: string, options?: Record<string, unknown>): Promise<PayloadEndpoint<Item, Sent, Received>> {
    const type = await this.host.services.loadNamed<PayloadType<Item, Sent, Received>>(PayloadType, name, `onPayload:${name}`, `payload type "${name}" needs the plugin that contributes it`);
    return type.attach(call.raw.session, options);
  }

  /** Voice over a call, both ways at once (codecs agreed between the two sides). */
  async voice(call: Call, opts: VoiceOptions = {}): Promise<VoiceCall> {
    const service = await this.host.services.load<VoiceService>(VoiceService, 'onPayload:voice', 'voice needs the payload-voice plugin and a codec plugin');
    return service.start(call.raw, { log: this.host.log, ...opts });
  }

  /** Video over a call, both ways at once (`input`: a Y4M to send; `record`: where the peer's video goes; codecs agreed between the two sides). */
  async video(call: Call, opts: VideoOptions = {}): Promise<VideoCall> {
    const service = await this.host.services.load<VideoService>(VideoService, 'onPayload:video', 'video needs the payload-video plugin and a video codec plugin');
    return service.start(call.raw, { log: this.host.log, ...opts });
  }

  /** Hangs up every call, leaves the manager (Bye: the name is free at once for this key), stops the plugins. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      await this.client.close();
      await this.host.dispose();
    })());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private track(call: Call): Call {
    this.calls.add(call);
    void call.closed.then(() => this.calls.delete(call));
    return call;
  }

  private wire(): void {
    const c = this.client as PeerClient & { on?: (e: string, h: (x: never) => void) => Disposable };
    c.on?.('registered', (e: PeerEvents['registered']) => this.events.emit('registered', e));
    c.on?.('disconnected', (e: PeerEvents['disconnected']) => this.events.emit('disconnected', e));
    c.on?.('ended', (e: { callId: string; peer: string; reason: string }) => this.events.emit('ended', { callId: e.callId, peer: e.peer, reason: e.reason }));
    this.client.onIncomingCall((raw) => {
      const call = this.track(new Call(raw, this.client));
      if (this.files && this.init.inbox) {
        const inbox = this.files.receiveFiles(raw, this.init.inbox, { log: this.host.log as Logger, bar: false, overwrite: this.init.overwrite });
        inbox.onFile((f) => this.events.emit('file', { ...f, from: raw.remotePeerId }));
      }
      this.events.emit('call', call);
    });
  }
}

/**
 * Starts a peer and registers it with the manager: `await createPeer({ id: 'alice', manager })`.
 * Silent unless given a `logger`; closes when `signal` aborts.
 */
export function createPeer(init: PeerInit): Promise<Peer> {
  return Peer.create(init);
}
