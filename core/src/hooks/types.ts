/**
 * The values that flow through the four hook points. Kept free of runtime code
 * (js-libp2p style) so plugins depend on shapes, not on implementations.
 */
import type { Disposable } from '../disposable';
import type { CallPolicy } from '../security/policy';
import type { Identity } from '../services/security';

export type CandidateKind = 'host' | 'reflexive' | 'relay';
/** A UDP address a peer can be reached on (spec ¶76: a list of ports may be sent). */
export interface Candidate {
  address: string;
  port: number;
  kind: CandidateKind;
}

/** What a peer registers with the manager (spec ¶35–¶36). */
export interface Registration {
  peerId: string;
  protocolVersion: number;
  candidates: Candidate[];
  payloadTypes: string[];
  meta: Record<string, string>;
  /**
   * Proof of the peer's identity key. Client: the identity tap sets publicKey and signature
   * (Ed25519 over registrationDigest(challenge, registration)). Manager: the identity tap sets
   * `verified` once the signature checks out; the registrar admits nothing unverified.
   */
  identity?: { publicKey: Uint8Array; signature?: Uint8Array; verified?: boolean };
  /** Who may call this peer; signed with the rest. */
  policy?: CallPolicy;
}

export interface RegisterContext {
  /** `client`: building the registration to send; `manager`: admitting one received. */
  side: 'client' | 'manager';
  /** The address the manager saw the TCP/WebSocket connection come from. */
  remoteAddress?: string;
  transport?: 'tcp' | 'ws';
  /** The manager's fresh nonce for this connection (Hello): what the registration signature covers. */
  challenge?: Uint8Array;
  /**
   * Client: the identity registering (a process may host several peers). Unset: the identity
   * tap uses the default identity file.
   */
  identity?: Identity;
}

/** Something the manager told a peer; `kind` keys the notify HookMap. */
export interface Notification<B = unknown> {
  kind: string;
  callId?: string;
  body: B;
}

export interface DatagramAddress {
  address: string;
  port: number;
}

/** The peer's media UDP socket as strategies see it: the one socket the window is opened for. */
export interface DatagramSocket {
  readonly localPort: number;
  send(data: Buffer, port: number, address: string, opts?: { ttl?: number }): Promise<void>;
  onDatagram(handler: (data: Buffer, from: DatagramAddress) => void): Disposable;
}

/**
 * What a caller-side strategy sends to find the path, and how it recognises the answer. Built by
 * the peer client: on a secure call the probe is the Noise handshake's first message and the
 * answer its second (the handshake rides the window-opening probes, costing no round trip); on
 * an --insecure call it is a PING with a nonce and its PONG. Strategies know nothing of either.
 */
export interface WindowProbe {
  /** The datagram to send to each target, repeatedly, until an answer is accepted. */
  readonly datagram: Buffer;
  /**
   * Feeds a datagram that arrived on the socket (not claimed by a session). True when it is the
   * answer: the path to `from` works both ways. Never throws on network input.
   */
  accept(datagram: Buffer, from: DatagramAddress): boolean;
}

/** openWindow's question: callee opens its firewall for the caller; caller reaches the callee. */
export interface WindowRequest {
  role: 'caller' | 'callee';
  callId: string;
  localEndpoint: number;
  remoteEndpoint: number;
  remoteCandidates: Candidate[];
  socket: DatagramSocket;
  signal: AbortSignal;
  /** Caller side: what to probe with (see WindowProbe). */
  probe?: WindowProbe;
}

/** openWindow's answer: the first strategy that yields a working path wins (series-bail). */
export interface WindowResult {
  strategy: string;
  path: 'direct' | 'relay';
  remote: DatagramAddress;
  detail?: Record<string, unknown>;
}

/** Per-packet transform (encryption, stats …): resolved once per session, then called per packet. */
export type PacketTransform = (payload: Buffer) => Buffer;

/** A direct session carrying one payload type; `stream` taps attach handlers and transforms. */
export interface StreamContext {
  callId: string;
  payloadType: string;
  role: 'caller' | 'callee';
  remote: DatagramAddress;
  outbound: PacketTransform[];
  inbound: PacketTransform[];
  send(payload: Buffer): void;
  onPayload(handler: (payload: Buffer) => void): Disposable;
}
