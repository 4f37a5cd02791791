import type { StreamContext } from '../hooks/types';
import type { CallPolicy } from '../security/policy';
import type { DatagramTypeId } from '../wire/datagram';
import type { ReliableStream } from './media';

/**
 * Security services (DESIGN.md §B). Interfaces only: keys and Noise live in plugins
 * (identity-ed25519, secure-noise); the pure helpers (fingerprint, registrationDigest,
 * policyAllows …) are in core/src/security/.
 */

/** An Ed25519 key pair in libsodium form: what noise-curve-ed takes as the Noise static key. */
export interface NoiseKeyPair {
  publicKey: Buffer;
  /** 64 bytes: the 32-byte seed ‖ the public key. */
  secretKey: Buffer;
}

/** A peer's long-term identity: one Ed25519 key pair kept in a file. */
export interface Identity {
  /** The 32 raw bytes. */
  readonly publicKey: Uint8Array;
  /** base64url of the raw bytes (43 characters). */
  readonly publicKeyText: string;
  /** `xxxx-xxxx-xxxx-xxxx` (see fingerprint()). */
  readonly fingerprint: string;
  /** The key file (PKCS#8 PEM). */
  readonly file: string;
  /** Ed25519 signature (64 bytes). */
  sign(message: Uint8Array): Uint8Array;
  /** A fresh copy of the key pair for the Noise handshake only: never log, store or send it. */
  noiseKeyPair(): NoiseKeyPair;
}

export interface LoadedIdentity {
  identity: Identity;
  /** True when this call created the key file (first use). */
  created: boolean;
}

/**
 * Hands out identities and pin stores by file. Not a singleton Identity: `--identity FILE` is a
 * per-command choice and one process may host several peers (tests, the demo).
 * `file` undefined: the plugin's configured file, else $PINHOLE_HOME/identity.pem, else
 * ~/.pinhole/identity.pem. The key is created on first use (mode 0600) and a key file readable
 * by group or others is refused. Repeated loads of one file return the same Identity.
 */
export interface IdentityStore {
  load(file?: string): Promise<LoadedIdentity>;
  /** The known_peers store: `file`, else the configured one, else `known_peers` next to the identity file. */
  knownPeers(file?: string, identityFile?: string): Promise<KnownPeers>;
}
export const IdentityStore = Symbol('IdentityStore');

export interface IdentityVerifier {
  /** Whether `signature` is a valid Ed25519 signature of `message` by `publicKey`; false for malformed input, never throws. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}
export const IdentityVerifier = Symbol('IdentityVerifier');

/** What a pin store says about a presented key. */
export type PinCheck = { status: 'unknown' } | { status: 'match' } | { status: 'changed'; pinned: Uint8Array; presented: Uint8Array };

/**
 * known_peers, like SSH's known_hosts: `NAME ed25519 PUBLICKEY` for peers and
 * `tls://HOST:PORT sha256 SPKI-HASH-B64URL` for managers. Reads see other processes' writes;
 * writes are atomic and merged with what is on disk at write time.
 */
export interface KnownPeers {
  readonly file: string;
  check(name: string, publicKey: Uint8Array): Promise<PinCheck>;
  /** The key pinned for a peer name, if any (a caller sends it with its CallRequest). */
  pinned(name: string): Promise<Uint8Array | undefined>;
  /** Pins (or re-pins) a peer name to a key. */
  pin(name: string, publicKey: Uint8Array): Promise<void>;
  /** `manager` as `tls://HOST:PORT`; `spkiSha256` the SHA-256 of the certificate's SubjectPublicKeyInfo (DER). */
  checkManager(manager: string, spkiSha256: Uint8Array): Promise<PinCheck>;
  pinManager(manager: string, spkiSha256: Uint8Array): Promise<void>;
  /** Removes the pin of a name or a `tls://HOST:PORT`; false when there was none. */
  forget(nameOrManager: string): Promise<boolean>;
  /** Every pin, in file order: peers by name, managers as `tls://HOST:PORT`. */
  list(): Promise<Array<{ subject: string; kind: 'peer' | 'manager'; pin: string }>>;
  /** Lines skipped at the last read, as `FILE:LINE: why`. */
  readonly problems: readonly string[];
}

/** What `pinhole peer` was told about who may call it. */
export interface AllowInput {
  /** `--allow` values (repeatable): names, fingerprints or keys. */
  allow?: string[];
  /** `--allow-file`: one entry per line, `#` starts a comment. */
  allowFile?: string;
  allowAny?: boolean;
  optimistic?: boolean;
}

/** Turns the callee's command line into its CallPolicy (implemented by identity-ed25519). */
export interface AllowLists {
  /** A bad entry is an error naming where it came from (`--allow`, `FILE:LINE`). Neither list nor any: mode none. */
  policy(input: AllowInput): Promise<CallPolicy>;
  /** One line for the start log; says how to accept calls when nobody is allowed. */
  describe(policy: CallPolicy): string;
}
export const AllowLists = Symbol('AllowLists');

// ---- Session handshake (Noise inside the window-opening probes) -------------------------------

export interface HandshakeParams {
  callId: string;
  /** This side's endpoint id for the call and the peer's (both from the manager). */
  localEndpoint: number;
  remoteEndpoint: number;
  identity: Identity;
}

export interface InitiatorParams extends HandshakeParams {
  /** The responder's key when known (pin or Ready): IK, one round trip. Absent: XX. */
  remotePublicKey?: Uint8Array;
  /** XX only: vets the responder's key once revealed (pin / TOFU); false drops its answer. */
  checkResponder?(publicKey: Uint8Array): boolean;
}

export interface ResponderParams extends HandshakeParams {
  /**
   * Vets the initiator's static key (callee policy, known_peers) before anything is answered
   * (IK) or before the session opens (XX). Synchronous: decide from what is already known
   * (the key OpenWindow announced, a pin read beforehand).
   */
  checkInitiator(publicKey: Uint8Array): boolean;
}

export type HandshakeDropReason =
  | 'malformed' // not a well-formed v1 handshake datagram
  | 'ids' // endpoint ids are not this call's
  | 'unexpected' // a message this side does not expect now (wrong type, pattern or step)
  | 'decrypt' // Noise refused it: wrong keys, wrong prologue (call id, endpoints), tampering
  | 'refused' // the remote static key is not allowed
  | 'limit'; // too many attempts on this handshake

/** What feeding one datagram to a handshake did. */
export interface HandshakeStep {
  /** A datagram to send back to where this one came from (msg 2; msg 3 of XX; a re-sent cached reply). */
  reply?: Buffer;
  /** Set on the datagram that completed the handshake on this side. */
  result?: HandshakeResult;
  /** Set when the datagram was dropped: nothing to send, nothing changed. */
  dropped?: HandshakeDropReason;
}

export interface HandshakeInitiator {
  readonly pattern: 'IK' | 'XX';
  /**
   * The HANDSHAKE_INIT datagram carrying Noise message 1: the probe. Send it, and re-send the
   * same bytes, until `receive` returns a result.
   */
  readonly message: Buffer;
  /**
   * Feeds a datagram that arrived for this call (HANDSHAKE_RESP). Never throws on network input.
   * XX: the result comes with a `reply` (msg 3) to send; a repeated msg 2 returns that reply
   * again. Keep re-sending msg 3 until a sealed datagram from the responder opens.
   */
  receive(datagram: Buffer): HandshakeStep;
  readonly result?: HandshakeResult;
}

export interface HandshakeResponder {
  /**
   * Feeds a HANDSHAKE_INIT datagram. IK: msg 1 gives `reply` (msg 2) and `result` at once.
   * XX: msg 1 gives `reply`, msg 3 gives `result`. A repeated, identical msg 1 gets the cached
   * reply; a different one, or anything else, is dropped. Never throws on network input.
   */
  receive(datagram: Buffer): HandshakeStep;
  readonly result?: HandshakeResult;
  /** Datagrams dropped so far, by reason. */
  readonly drops: Readonly<Record<HandshakeDropReason, number>>;
}

/** A completed handshake: who the peer is, and the keys that protect the session. */
export interface HandshakeResult {
  readonly pattern: 'IK' | 'XX';
  readonly initiator: boolean;
  readonly callId: string;
  readonly localEndpoint: number;
  readonly remoteEndpoint: number;
  readonly localPublicKey: Uint8Array;
  readonly remotePublicKey: Uint8Array;
  readonly remoteFingerprint: string;
  /** Noise handshake hash: a channel binding unique to this session. */
  readonly handshakeHash: Uint8Array;
  /** Traffic keys from the Noise split (32 bytes each). Only SessionSecurity.protect reads them. */
  readonly tx: Uint8Array;
  readonly rx: Uint8Array;
}

// ---- Session protection ----------------------------------------------------------------------

export type DatagramDropReason =
  | 'short' // shorter than header + tag
  | 'long' // over MAX_DATAGRAM_BYTES
  | 'version' // not the sealed layout
  | 'size' // declared size ≠ actual
  | 'type' // message id not carried sealed
  | 'ids' // not this session's endpoint ids
  | 'counter' // counter outside what a sender ever uses
  | 'replay' // counter already seen, or older than the replay window
  | 'auth'; // tag does not verify: forged, altered or wrong keys

export type OpenResult =
  | { ok: true; type: DatagramTypeId; counter: number; payload: Buffer }
  | { ok: false; reason: DatagramDropReason };

export interface DatagramCipherStats {
  sealed: number;
  opened: number;
  dropped: number;
  drops: Record<DatagramDropReason, number>;
}

/** Seals and opens one session's datagrams (sealed v2 layout, see sealed-datagram.ts). */
export interface DatagramCipher {
  /**
   * One sealed datagram to the peer (dst = remote endpoint, src = local endpoint). `channel`,
   * when given, becomes the first plaintext byte (stream channel, as in v1). Payload ≤
   * MAX_SEALED_PAYLOAD (minus 1 with a channel). Throws E_COUNTER_EXHAUSTED when the counter
   * would pass MAX_SEALED_COUNTER.
   */
  seal(type: DatagramTypeId, payload: Uint8Array, channel?: number): Buffer;
  /**
   * Checks and decrypts one datagram IN PLACE (the returned payload is a view of `datagram`,
   * whose bytes are overwritten). Never throws: bad input yields a drop reason and is counted.
   */
  open(datagram: Buffer): OpenResult;
  readonly stats: DatagramCipherStats;
}

export interface SessionProtection {
  readonly datagrams: DatagramCipher;
  /**
   * Wraps the raw reliable stream of `channel` into an encrypted, authenticated one (keys per
   * channel and direction, derived from the session keys). Both sides wrap the same channel.
   * Tampered bytes destroy the stream with an error; nothing unauthenticated is ever emitted.
   */
  protectStream(raw: ReliableStream, channel: number): ReliableStream;
  readonly remotePublicKey: Uint8Array;
  readonly remoteFingerprint: string;
  /** Wipes the session keys (call when the session closes); the cipher then opens nothing. */
  destroy(): void;
}

export interface SessionSecurity {
  initiator(params: InitiatorParams): HandshakeInitiator;
  responder(params: ResponderParams): HandshakeResponder;
  /** The datagram cipher and stream wrapper of a completed handshake. */
  protect(result: HandshakeResult): SessionProtection;
}
export const SessionSecurity = Symbol('SessionSecurity');

/** The `stream` hook key media-udp runs once when a session opens. */
export const SESSION_STREAM = 'session';

/**
 * The context of `hooks.stream.for(SESSION_STREAM)`. media-udp fills `handshake` (undefined on
 * an --insecure session); a protecting tap (secure-noise) sets `protection`. A session that
 * should be secure and comes back without `protection` must not open (E_SESSION_UNPROTECTED).
 */
export interface SessionStreamContext extends StreamContext {
  readonly localEndpoint: number;
  readonly remoteEndpoint: number;
  readonly handshake?: HandshakeResult;
  protection?: SessionProtection;
}

export function isSessionStreamContext(ctx: StreamContext): ctx is SessionStreamContext {
  return ctx.payloadType === SESSION_STREAM;
}
