import type { Disposable } from '../disposable';
import type { Candidate, DatagramAddress, DatagramSocket, StreamContext } from '../hooks/types';
import type { HandshakeResult } from './security';
import type { DatagramTypeId } from '../wire/datagram';

/** Where a direct session goes: ids from the manager, the remote address the window was opened to. */
export interface SessionParams {
  callId: string;
  role: 'caller' | 'callee';
  localEndpoint: number;
  remoteEndpoint: number;
  remote: DatagramAddress;
  /**
   * Other addresses the peer may legitimately send from (its candidates). The session latches
   * onto the first one a valid datagram arrives from; anything else is dropped without reply.
   */
  alternates?: DatagramAddress[];
  /** Idle interval after which a KEEPALIVE datagram is sent so both windows stay open (spec ¶52–¶53). */
  keepaliveMs?: number;
  /**
   * The completed handshake that keys this session. The `stream:session` taps turn it into the
   * session's protection (secure-noise); a session with a handshake that no tap protected
   * refuses to open.
   */
  handshake?: HandshakeResult;
  /** An unencrypted session, by explicit choice (--insecure on both ends). Without a handshake, this must be set. */
  insecure?: boolean;
}

export interface SessionStats {
  sent: number;
  received: number;
  /** Datagrams for this session that failed validation (bad ids or source, CRC, forged, replayed, plaintext on a sealed session …). */
  dropped: number;
  bytesSent: number;
  bytesReceived: number;
}

/**
 * A reliable, congestion-controlled byte stream (udx: BBR, SACK, RACK) riding the session's
 * own socket and port pair, so the window the null packet opened carries it too.
 */
export interface ReliableStream {
  write(chunk: Buffer): boolean;
  end(chunk?: Buffer): void;
  destroy(err?: Error): void;
  on(event: 'data', handler: (chunk: Buffer) => void): this;
  on(event: 'end' | 'close' | 'drain' | 'finish', handler: () => void): this;
  on(event: 'error', handler: (err: Error) => void): this;
  once(event: 'data', handler: (chunk: Buffer) => void): this;
  once(event: 'end' | 'close' | 'drain' | 'finish', handler: () => void): this;
  once(event: 'error', handler: (err: Error) => void): this;
  removeListener(event: string, handler: (...args: never[]) => void): this;
  pause(): this;
  resume(): this;
  readonly destroyed: boolean;
}

/** A live direct UDP session: only datagrams with its endpoint ids from its remote address reach it. */
export interface DatagramSession {
  readonly params: SessionParams;
  readonly stats: SessionStats;
  /** The authenticated peer and how, for a secure session; undefined for an --insecure one. */
  readonly security?: { remoteFingerprint: string; remotePublicKey: Uint8Array; pattern: 'IK' | 'XX' };
  /** Sends one datagram of the given type (DATA by default); payload ≤ MAX_DATAGRAM_PAYLOAD. */
  send(payload: Buffer, type?: DatagramTypeId): void;
  /** DATA payloads as they arrive (already validated). */
  onData(handler: (payload: Buffer) => void): Disposable;
  /** Round trip over the direct path (PING → PONG), in milliseconds. */
  ping(timeoutMs?: number): Promise<number>;
  /** Resolves once any datagram from the peer has arrived on this session. */
  firstDatagram(timeoutMs?: number): Promise<void>;
  /**
   * Opens the reliable stream numbered `channel` of this session; both sides open the same
   * channel (ids are derived from the endpoint ids, so nothing is negotiated). Open it after the
   * path is up (firstDatagram), so it targets the latched remote address.
   */
  openReliableStream(channel: number): ReliableStream;
  /** Runs the `stream` hook for a payload type and returns the context its taps attached to. */
  openStream(payloadType: string): Promise<StreamContext>;
  onClose(handler: (reason: string) => void): Disposable;
  /** Sends HANGUP to the peer (unless it hung up) and stops keep-alives. */
  close(reason?: string): Promise<void>;
}

/**
 * The peer's media UDP socket and the sessions on it (one socket, one port: the one registered
 * with the manager and punched through the firewall). STUN, Pinhole datagrams and udx share it.
 */
export interface MediaTransport {
  readonly socket: DatagramSocket;
  /** Host candidates: every local interface address with the bound port. */
  hostCandidates(): Candidate[];
  /** STUN Binding request from the media socket; resolves to the reflexive (public) address. */
  discoverReflexive(server: DatagramAddress, opts?: { username?: string; timeoutMs?: number }): Promise<Candidate>;
  /**
   * Opens a session: runs the `stream:session` taps once (they install the protection), then
   * claims the session's datagrams. Rejects with E_SESSION_UNPROTECTED when a handshake was
   * given and no tap protected the session, and when neither a handshake nor `insecure` was.
   */
  openSession(params: SessionParams): Promise<DatagramSession>;
  close(): Promise<void>;
}
export const MediaTransport = Symbol('MediaTransport');

export interface MediaTransportOptions {
  /** UDP port to bind; 0 picks a free one. */
  port?: number;
  /** Address to bind; default all IPv4 interfaces. */
  host?: string;
}
/** Binds a media socket; one per peer (a process may host several peers, e.g. in tests). */
export interface MediaTransportFactory {
  create(opts?: MediaTransportOptions): Promise<MediaTransport>;
}
export const MediaTransportFactory = Symbol('MediaTransportFactory');
