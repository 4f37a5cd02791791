import type { Disposable } from '../disposable';
import type { Candidate } from '../hooks/types';

/**
 * The manager's directory table (spec "directory table 22"): who is registered, where to
 * reach them, and which manager node holds their connection. Backends are plugins
 * (directory-memory, directory-redis …) and all pass test/compliance/directory.
 */
export interface PeerRecord {
  peerId: string;
  /** SHA-256 (hex) of the secret issued at first registration; the secret itself is never stored. */
  secretHash: string;
  candidates: Candidate[];
  /** The public address the manager saw the peer's media socket use (STUN), once known. */
  reflexive?: Candidate;
  payloadTypes: string[];
  meta: Record<string, string>;
  /** The manager node holding this peer's control connection (for cross-node call routing). */
  node: string;
  registeredAt: number;
  lastSeen: number;
  expiresAt: number;
}

export type ClaimResult =
  | { ok: true; previous?: PeerRecord }
  | { ok: false; holder: PeerRecord };

export interface Directory {
  /**
   * Atomically registers `record` unless a live record (expiresAt > now) for the same id has a
   * different secretHash; an expired record is replaced. The check and the write are one step,
   * so two nodes racing for one id cannot both win.
   */
  claim(record: PeerRecord, now: number): Promise<ClaimResult>;
  get(peerId: string): Promise<PeerRecord | undefined>;
  /** Refreshes lastSeen and expiresAt; false if the peer is unknown. */
  touch(peerId: string, now: number, ttlMs: number): Promise<boolean>;
  /** Updates the mutable fields; false if the peer is unknown. */
  update(peerId: string, patch: Partial<Pick<PeerRecord, 'reflexive' | 'candidates' | 'node'>>): Promise<boolean>;
  /** Removes the peer; with `ifSecretHash`, only if it still belongs to that registration. */
  remove(peerId: string, ifSecretHash?: string): Promise<boolean>;
  /** Removes every record with expiresAt <= now and returns their ids. */
  expire(now: number): Promise<string[]>;
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
  create(options: Record<string, unknown>): Promise<Directory>;
}
export const DirectoryBackend = Symbol('DirectoryBackend');
