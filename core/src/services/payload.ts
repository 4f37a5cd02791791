import type { Disposable } from '../disposable';
import { PinholeError } from '../errors';
import type { DatagramSession } from './media';

/**
 * Payload types (spec ¶49, ¶78: voice, video, files over the direct path). A payload plugin
 * contributes `payloadTypes` in its manifest, activates on `onPayload:<name>` and binds its
 * implementation as `bind(PayloadType).toConstantValue(impl).whenTargetNamed(name)`; consumers
 * take it with `container.getNamed(PayloadType, name)` after `activateByEvent('onPayload:<name>')`.
 * Every payload type runs test/compliance/payload.
 */

/** Faults of a payload flow: refusals, verification failures, stalls, a closed session. */
export class PayloadError extends PinholeError {}

/** How a payload type rides a session: a reliable udx stream channel, or datagrams (openStream). */
export type PayloadCarrier = { kind: 'reliable'; channel: number } | { kind: 'datagram' };

/** What is moving, for progress displays (bytes for files; a running count for media). */
export interface PayloadProgress {
  direction: 'send' | 'receive';
  /** The item's name (a file name; a stream label for media). */
  name: string;
  /** `offer`: announced, not yet accepted; `transfer`: bytes are flowing. */
  phase: 'offer' | 'transfer';
  /** Bytes the receiving side holds, counting what an earlier, interrupted transfer left there. */
  bytes: number;
  /** Size of the item; 0 when unknown (live media). */
  total: number;
  /** Bytes that were already there when the transfer (re)started. */
  resumedFrom: number;
}

/** One side of a payload type attached to a live session. */
export interface PayloadEndpoint<Item = unknown, Sent = unknown, Received = unknown> {
  readonly payloadType: string;
  /**
   * Offers one item to the peer. Resolves when the peer has it (verified, for reliable types);
   * rejects with a PinholeError whose code names the cause (refused, verification, stalled, closed).
   */
  send(item: Item, opts?: { signal?: AbortSignal }): Promise<Sent>;
  /** Each item the peer delivered and this side accepted intact. */
  onReceived(handler: (item: Received) => void): Disposable;
  /** Faults that did not come back through send(): refused or failed incoming items, bad frames. */
  onError(handler: (err: PinholeError) => void): Disposable;
  onProgress(handler: (progress: PayloadProgress) => void): Disposable;
  /** Resolves once the endpoint has ended (close(), peer ended, session closed) and released its stream and timers. */
  readonly closed: Promise<void>;
  /** Ends the endpoint: work in flight is cancelled (partial items are kept where the type can resume them). */
  close(): Promise<void>;
}

export interface PayloadType<Item = unknown, Sent = unknown, Received = unknown, Options = Record<string, unknown>> {
  readonly name: string;
  /** Whether items arrive complete and in order (files) or best-effort in real time (voice). */
  readonly reliable: boolean;
  readonly carrier: PayloadCarrier;
  /**
   * Attaches one side to a session whose path is up (both sides attach; what each may receive
   * is set by its options). One endpoint per session and type at a time.
   */
  attach(session: DatagramSession, options?: Options): PayloadEndpoint<Item, Sent, Received>;
}
export const PayloadType = Symbol('PayloadType');
