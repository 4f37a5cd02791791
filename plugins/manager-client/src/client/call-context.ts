import type { ControlEnvelope, EstablishedCall, Hooks, Logger, MediaTransport } from '@pinhole/core';
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
  readonly calls: CallTable;
  readonly log: Logger;
  /** Sends to the manager; throws E_MANAGER_LOST while disconnected. */
  send(env: ControlEnvelope): void;
  /** An OpenWindow arrived (before the window is opened). */
  offered(info: { callId: string; peer: string }): void;
  /** An incoming call's direct path is up. */
  established(call: EstablishedCall): void;
}
