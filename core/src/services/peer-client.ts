import type { Disposable } from '../disposable';
import type { Logger } from '../log';
import type { CallPolicy } from '../security/policy';
import type { Candidate, WindowResult } from '../hooks/types';
import type { DatagramSession } from './media';

export interface RegisteredInfo {
  peerId: string;
  /** The reflexive (public) address the manager saw via STUN, if discovery succeeded. */
  reflexive?: Candidate;
  candidates: Candidate[];
  keepaliveMs: number;
  expiryMs: number;
}

export interface CallOptions {
  payloadTypes?: string[];
  /** Whole setup budget: manager round trips plus window opening. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Beyond the spec: the manager sends the callee's candidates at once and the caller starts
   * probing while the callee is still opening its window, saving one manager round trip.
   */
  optimistic?: boolean;
}

/** A call whose direct path is up: datagrams have flowed both ways on `session`. */
export interface EstablishedCall {
  callId: string;
  role: 'caller' | 'callee';
  remotePeerId: string;
  window: WindowResult;
  session: DatagramSession;
  payloadTypes: string[];
  /** The authenticated remote key (fingerprint) and handshake pattern; undefined on an --insecure call. */
  security?: { remoteFingerprint: string; pattern: 'IK' | 'XX' };
  /** Milliseconds from the start of setup to each step (callRequest, openWindow, windowOpened, ready, firstDatagram …). */
  timeline: Record<string, number>;
  setupMs: number;
}

/** The peer side of the manager (spec: client registration, keep-alive, call control). */
export interface PeerClient {
  readonly peerId: string;
  readonly registered: boolean;
  /** Connects and registers; resolves when Registered arrives (and reflexive discovery has run). */
  start(): Promise<RegisteredInfo>;
  call(calleeId: string, opts?: CallOptions): Promise<EstablishedCall>;
  /** Called for each incoming call once its direct path is up. */
  onIncomingCall(handler: (call: EstablishedCall) => void): Disposable;
  hangup(callId: string, reason?: string): Promise<void>;
  close(): Promise<void>;
}
export const PeerClient = Symbol('PeerClient');

/** What a peer client is made from (`pinhole peer` / `pinhole call` flags in brackets). */
export interface PeerClientOptions {
  peerId: string;
  /**
   * HOST:PORT (TLS), tls://, wss://; tcp:// and ws:// only with `insecure`. Several (a list, or
   * comma-separated) are manager nodes sharing one directory: the client fails over between them.
   * Default: manager-client's `managers` option.
   */
  manager?: string | string[];
  payloadTypes?: string[];
  udpPort?: number;
  udpHost?: string;
  /** The identity key file [--identity]; default $PINHOLE_HOME/identity.pem, else ~/.pinhole/identity.pem. */
  identity?: string;
  /** The pin store [--known-peers]; default known_peers next to the identity file. */
  knownPeers?: string;
  /** Who may call this peer [--allow, --allow-file, --allow-any, --optimistic]; default: nobody. */
  policy?: CallPolicy;
  /** PEM CA certificate(s) the manager's certificate must validate against [--ca]. */
  ca?: string | Buffer;
  /** The manager certificate's pin, `sha256:…` [--manager-fingerprint]; default: pinned on first contact. */
  managerFingerprint?: string;
  /** Plain control channel and unencrypted sessions, for debugging [--insecure]. */
  insecure?: boolean;
  /** Where this client's events and diagnostics go (default: the host's logger). */
  log?: Logger;
}

/** Builds PeerClients; bound by the manager-client plugin. */
export interface PeerClientFactory {
  create(opts: PeerClientOptions): Promise<PeerClient>;
}
export const PeerClientFactory = Symbol('PeerClientFactory');


