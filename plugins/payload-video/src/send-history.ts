import type { FragmentMsg } from './wire';

interface Entry {
  f: FragmentMsg;
  /** When it last left (undefined: still in the pacer's queue). */
  sentAt?: number;
}

/**
 * The last `capacity` fragments, by sequence number, for retransmission after a NACK. A NACK for
 * a fragment still queued, or sent again less than a round trip ago, is ignored (it is on its way).
 */
export class SendHistory {
  private readonly map = new Map<number, Entry>();
  constructor(private readonly capacity: number) {}

  put(f: FragmentMsg): void {
    this.map.set(f.seq, { f });
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as number);
  }

  sent(seq: number, at: number): void {
    const e = this.map.get(seq);
    if (e) e.sentAt = at;
  }

  /** The fragment to send again, if it should be. */
  resend(seq: number, now: number, rttMs: number): FragmentMsg | undefined {
    const e = this.map.get(seq);
    if (!e || e.sentAt === undefined || now - e.sentAt < Math.max(10, 0.8 * rttMs)) return undefined;
    e.sentAt = undefined; // queued again
    return e.f;
  }
}
