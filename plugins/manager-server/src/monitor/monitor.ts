import { toDisposable, type Disposable, type ManagerCallView, type ManagerPeerView, type ManagerSnapshot } from '@pinhole/core';

/** Calls are per caller: call ids are the caller's choice, unique only for it. */
const key = (callerId: string, callId: string) => `${callerId}\u0000${callId}`;

/** Setup-time histogram buckets, in ms (upper bounds; +Inf is implied), as /metrics and the dashboard show them. */
export const SETUP_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/**
 * The operator's view of one manager node: who is registered, which calls are live, how long
 * setups take, what was refused. The registrar, the call router and the STUN responder report
 * into it; the dashboard, /metrics, /api/status and createManager() read it. Nothing here is on
 * a call's critical path: each report is a map update and a listener notification.
 */
export class ManagerMonitor {
  readonly startedAt = Date.now();
  private readonly peers = new Map<string, ManagerPeerView>();
  private readonly calls = new Map<string, ManagerCallView>();
  private readonly listeners = new Set<() => void>();
  private readonly setup = { counts: SETUP_BUCKETS_MS.map(() => 0), count: 0, sumMs: 0 };
  private readonly counters = { connections: 0, registrations: 0, callRequests: 0, callsEstablished: 0, refusals: {} as Record<string, number> };

  constructor(
    private readonly node: string,
    private readonly directory: string | undefined,
    private readonly stun: () => { requests: number; probes: number; dropped: number },
    private readonly directoryHealth: () => ManagerSnapshot['directoryHealth'],
    /** Each setup time as it is taken into the histogram (/metrics observes it too). */
    private readonly onSetup: (ms: number) => void = () => undefined,
  ) {}

  onChange(listener: () => void): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => void this.listeners.delete(listener));
  }

  connection(): void {
    this.counters.connections++;
  }

  registered(peer: ManagerPeerView): void {
    this.counters.registrations++;
    this.peers.set(peer.id, { ...peer, calls: this.callsOf(peer.id) });
    this.changed();
  }

  reflexive(peerId: string, address: string): void {
    const p = this.peers.get(peerId);
    if (p) (p.reflexive = address), this.changed();
  }

  gone(peerId: string): void {
    if (this.peers.delete(peerId)) this.changed();
  }

  refused(code: string): void {
    this.counters.refusals[code] = (this.counters.refusals[code] ?? 0) + 1;
    this.changed();
  }

  callRequested(): void {
    this.counters.callRequests++;
  }

  callStarted(c: { callId: string; caller: string; callee: string }): void {
    this.calls.set(key(c.caller, c.callId), { ...c, state: 'opening', startedAt: Date.now() });
    this.countCalls(c.caller, c.callee);
    this.changed();
  }

  /** Ready went to the caller: the manager's part of the setup is done. */
  callReady(callerId: string, callId: string): void {
    const c = this.calls.get(key(callerId, callId));
    if (!c || c.managerSetupMs !== undefined) return;
    c.managerSetupMs = Date.now() - c.startedAt;
    this.changed();
  }

  /** The callee confirmed its window: the call is live. */
  callActive(callerId: string, callId: string): void {
    const c = this.calls.get(key(callerId, callId));
    if (!c || c.state === 'active') return;
    c.state = 'active';
    this.counters.callsEstablished++;
    this.changed();
  }

  /** The caller's CallReport: the path it found and its own setup time (taken into the histogram, once per call). */
  callReported(callerId: string, r: { callId: string; path?: string; strategy?: string; setupMs?: number; encrypted?: boolean }): void {
    const c = this.calls.get(key(callerId, r.callId));
    if (!c || c.setupMs !== undefined) return;
    Object.assign(c, { path: r.path || undefined, strategy: r.strategy || undefined, setupMs: r.setupMs, encrypted: r.encrypted });
    if (r.setupMs !== undefined) this.observeSetup(r.setupMs);
    this.changed();
  }

  callEnded(callerId: string, callId: string): void {
    const k = key(callerId, callId);
    const c = this.calls.get(k);
    if (!c) return;
    this.calls.delete(k);
    // A call that never reported keeps the manager's own measure in the histogram.
    if (c.setupMs === undefined && c.managerSetupMs !== undefined && c.state === 'active') this.observeSetup(c.managerSetupMs);
    this.countCalls(c.caller, c.callee);
    this.changed();
  }

  snapshot(): ManagerSnapshot {
    const s = this.stun();
    return {
      node: this.node,
      at: Date.now(),
      startedAt: this.startedAt,
      directory: this.directory,
      directoryHealth: this.directoryHealth(),
      peers: [...this.peers.values()].map((p) => ({ ...p, candidates: [...p.candidates], payloadTypes: [...p.payloadTypes] })).sort((a, b) => (a.id < b.id ? -1 : 1)),
      calls: [...this.calls.values()].map((c) => ({ ...c })).sort((a, b) => a.startedAt - b.startedAt),
      setup: { bucketsMs: [...SETUP_BUCKETS_MS], counts: [...this.setup.counts], count: this.setup.count, sumMs: this.setup.sumMs },
      counters: { ...this.counters, refusals: { ...this.counters.refusals }, stunRequests: s.requests, stunProbes: s.probes, stunDropped: s.dropped },
    };
  }

  private observeSetup(ms: number): void {
    this.setup.count++;
    this.setup.sumMs += ms;
    this.onSetup(ms);
    SETUP_BUCKETS_MS.forEach((b, i) => ms <= b && this.setup.counts[i]++);
  }

  private callsOf(peerId: string): number {
    let n = 0;
    for (const c of this.calls.values()) if (c.caller === peerId || c.callee === peerId) n++;
    return n;
  }

  private countCalls(...ids: string[]): void {
    for (const id of ids) {
      const p = this.peers.get(id);
      if (p) p.calls = this.callsOf(id);
    }
  }

  private changed(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch {
        // a viewer's fault never reaches call control
      }
    }
  }
}
