import type { Disposable } from '../disposable';
import type { Candidate } from '../hooks/types';
import type { CallPolicy } from '../security/policy';

/**
 * The manager's directory table (spec "directory table 22"): who is registered, where to
 * reach them, and which manager node holds their connection; and, beside it, the binding of
 * each name to the public key that first claimed it. Backends are plugins (directory-memory,
 * directory-redis …) and all pass test/compliance/directory.
 */
export interface PeerRecord {
  peerId: string;
  /** The registering peer's Ed25519 public key (base64url), proven at registration. */
  publicKey: string;
  candidates: Candidate[];
  /** The public address the manager saw the peer's media socket use (STUN), once known. */
  reflexive?: Candidate;
  payloadTypes: string[];
  meta: Record<string, string>;
  policy: CallPolicy;
  /** The manager node holding this peer's control connection (for cross-node call routing). */
  node: string;
  registeredAt: number;
  lastSeen: number;
  expiresAt: number;
}

export type ClaimResult =
  | { ok: true; previous?: PeerRecord }
  /** The name is bound to `boundKey`; `holder` is its live record, if one is live. */
  | { ok: false; boundKey: string; holder?: PeerRecord };

/** Options every backend takes beside its own (the manager passes them through). */
export interface DirectoryOptions {
  /** A name→key binding not used (claimed or touched) for this long is released; default 30 days. */
  nameTtlMs?: number;
}
export const DEFAULT_NAME_TTL_MS = 30 * 24 * 3600 * 1000;

export interface Directory {
  /**
   * Atomically: binds `record.peerId` to `record.publicKey` if the name is unbound (or its
   * binding lapsed), refuses if it is bound to another key (live or not), and otherwise writes
   * the live record, replacing any earlier one of the same key. Check and write are one step, so
   * two nodes racing for one name cannot both win.
   */
  claim(record: PeerRecord, now: number): Promise<ClaimResult>;
  /** The live record, if any (expired ones may linger until expire() runs; callers check expiresAt). */
  get(peerId: string): Promise<PeerRecord | undefined>;
  /** The key a name is bound to, whether or not a live record exists. */
  binding(peerId: string): Promise<string | undefined>;
  /** Refreshes lastSeen and expiresAt (and the binding's lifetime); false if the peer is unknown. */
  touch(peerId: string, now: number, ttlMs: number): Promise<boolean>;
  /** Updates the mutable fields; false if the peer is unknown. */
  update(peerId: string, patch: Partial<Pick<PeerRecord, 'reflexive' | 'candidates' | 'node'>>): Promise<boolean>;
  /** Removes the live record (with `ifPublicKey`, only if it is that key's); the binding stays. */
  remove(peerId: string, ifPublicKey?: string): Promise<boolean>;
  /** Removes every live record with expiresAt <= now (and lapsed bindings) and returns the records' ids. */
  expire(now: number): Promise<string[]>;
  /** Live records. */
  count(): Promise<number>;
  /** Cross-node routing: deliver an opaque message to the manager node `node`. */
  publish(node: string, message: Uint8Array): Promise<void>;
  subscribe(node: string, handler: (message: Uint8Array) => void): Promise<Disposable>;
  close(): Promise<void>;
}
export const Directory = Symbol('Directory');

/** What a directory backend plugin binds (one per `contributes.directoryBackends` entry). */
export interface DirectoryBackend {
  readonly name: string;
  create(options: Record<string, unknown> & DirectoryOptions): Promise<Directory>;
}
export const DirectoryBackend = Symbol('DirectoryBackend');
