import type { NatInfo, CallPolicy, ControlEnvelope, EstablishedCall, Hooks, Identity, KnownPeers, Logger, MediaTransport, SessionSecurity } from '@pinhole/core';
import type { CallerBudget } from './caller-budget';
import type { ClientOptions } from '../options';
import type { CallTable } from './call-table';

/** The narrow set of things the caller and callee sequences need from the client. */
export interface CallContext {
  readonly peerId: string;
  readonly hooks: Hooks;
  readonly media: MediaTransport;
  readonly options: ClientOptions;
  /** The punch strategies to try, in order (see PunchStrategies). */
  strategies(): Promise<string[]>;
  /** Which strategies relay: the callee tells the caller of their addresses when ready, not before WindowOpened. */
  relayed(): Set<string>;
  /** The NAT in front of our media socket, once classified. */
  ownNat(): NatInfo | undefined;
  /** Settles once our NAT is classified enough for the manager to pick strategies (bounded). */
  natKnown(): Promise<void>;
  readonly calls: CallTable;
  readonly log: Logger;
  readonly identity: Identity;
  readonly knownPeers: KnownPeers;
  /** The handshake and session protection; undefined only when insecure. */
  readonly security?: SessionSecurity;
  /** Plain control channel and unencrypted sessions (--insecure, both ends). */
  readonly insecure: boolean;
  /** Who may call us (checked again here: the manager is not trusted with it). */
  readonly policy: CallPolicy;
  /** Calls per caller key per minute. */
  readonly budget: CallerBudget;
  /** Sends to the manager; throws E_MANAGER_LOST while disconnected. */
  send(env: ControlEnvelope): void;
  /** An OpenWindow arrived (before the window is opened). */
  offered(info: { callId: string; peer: string }): void;
  /** An incoming call's direct path is up. */
  established(call: EstablishedCall): void;
}
