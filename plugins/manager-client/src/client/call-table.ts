import { performance } from 'perf_hooks';
import { SignalError, type Candidate, type DatagramSession } from '@pinhole/core';
import type { ReadyMsg } from '../protocol';

/** What `ended` reports for every call, established or not. */
export interface CallEnded {
  callId: string;
  peer: string;
  role: 'caller' | 'callee';
  reason: string;
  established: boolean;
  /** Where the session ran at the end: direct, or still through a relay. */
  path?: 'direct' | 'relay';
  sent: number;
  received: number;
  dropped: number;
}

/** One call from the first message until it ends. */
/** The most late candidates a caller keeps for one call (the manager relays one follow-up of a few). */
const MAX_OPENED = 16;

export class CallEntry {
  /** Aborted when the call ends (or its setup fails): strategies and waits stop on it. */
  readonly abort = new AbortController();
  readonly timeline: Record<string, number> = {};
  session?: DatagramSession;
  /** Run once when the call ends, after its session closed (window sockets, path upgrade timers). */
  readonly cleanup: Array<() => unknown> = [];
  /**
   * Caller: addresses the callee's strategies opened, from a WindowOpened that came after Ready
   * (an optimistic call, or the callee's relay allocated after its first WindowOpened).
   */
  readonly opened: Candidate[] = [];
  private openedWaiters: Array<() => void> = [];
  private readonly t0 = performance.now();
  private resolveReady?: (r: ReadyMsg) => void;
  /** Caller: settles with the manager's Ready. */
  readonly ready: Promise<ReadyMsg>;

  constructor(
    readonly callId: string,
    readonly role: 'caller' | 'callee',
    readonly remotePeerId: string,
  ) {
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
  }

  onReady(r: ReadyMsg): void {
    this.resolveReady?.(r);
  }

  /** Caller: candidates from a later WindowOpened (at most MAX_OPENED kept: a call needs a relayed address or two). */
  addOpened(candidates: Candidate[]): void {
    this.opened.push(...candidates.slice(0, Math.max(0, MAX_OPENED - this.opened.length)));
    const w = this.openedWaiters;
    this.openedWaiters = [];
    for (const fn of w) fn();
  }

  /** Resolves when `test` holds for the candidates opened so far, or after `ms` (false then). */
  async untilOpened(test: (opened: Candidate[]) => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!test(this.opened)) {
      const left = deadline - Date.now();
      if (left <= 0 || this.abort.signal.aborted) return false;
      // Woken by new candidates, the deadline or the call's end (no timer outlives the call).
      await new Promise<void>((resolve) => {
        const signal = this.abort.signal;
        const done = () => {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const t = setTimeout(done, left);
        signal.addEventListener('abort', done, { once: true });
        this.openedWaiters.push(done);
      });
    }
    return true;
  }

  /** Records when `step` happened, in ms since the call started. */
  mark(step: string): void {
    this.timeline[step] = Math.round((performance.now() - this.t0) * 100) / 100;
  }

  elapsed(): number {
    return performance.now() - this.t0;
  }
}

/**
 * The client's calls by id. Ending is idempotent and does all the cleanup in one place:
 * stops the setup, tells the manager when asked, closes the session, reports `ended` once.
 */
export class CallTable {
  private readonly entries = new Map<string, CallEntry>();

  constructor(
    private readonly sendHangup: (callId: string, reason: string) => void,
    private readonly onEnded: (e: CallEnded) => void,
  ) {}

  open(callId: string, role: 'caller' | 'callee', remotePeerId: string): CallEntry {
    const e = new CallEntry(callId, role, remotePeerId);
    this.entries.set(callId, e);
    return e;
  }

  get(callId: string | undefined): CallEntry | undefined {
    return callId === undefined ? undefined : this.entries.get(callId);
  }

  all(): CallEntry[] {
    return [...this.entries.values()];
  }

  isLive(e: CallEntry): boolean {
    return this.entries.get(e.callId) === e;
  }

  /** Binds the call's direct session: if it closes (peer's HANGUP datagram, socket closed) the call ends. */
  attach(e: CallEntry, session: DatagramSession): void {
    e.session = session;
    session.onClose((reason) => void this.end(e.callId, reason, { tellManager: true }));
  }

  async end(callId: string, reason: string, o: { tellManager: boolean; abortWith?: Error }): Promise<void> {
    const e = this.entries.get(callId);
    if (!e) return;
    this.entries.delete(callId);
    if (!e.abort.signal.aborted) e.abort.abort(o.abortWith ?? new SignalError('E_HUNG_UP', `call ${callId} ended: ${reason}`));
    if (o.tellManager) this.sendHangup(callId, reason);
    if (e.session) await e.session.close(reason);
    for (const run of e.cleanup.splice(0)) await Promise.resolve(run()).catch(() => undefined);
    const s = e.session?.stats;
    this.onEnded({
      callId, peer: e.remotePeerId, role: e.role, reason, established: !!e.session,
      ...(e.session ? { path: e.session.path.kind } : {}),
      sent: s?.sent ?? 0, received: s?.received ?? 0, dropped: s?.dropped ?? 0,
    });
  }
}
