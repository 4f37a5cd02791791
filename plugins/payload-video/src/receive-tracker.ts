import { MAX_NACKS } from './wire';

/** Missing sequence numbers tracked for NACK at most; past this the list is cleared and a keyframe asked for. */
const MAX_MISSING = 1000;
const MAX_TRIES = 10;
const MIN_LOSS_SAMPLE = 30;

/**
 * Per-stream packet accounting on the receiver: expected / received / lost by sequence number,
 * RFC 3550 interarrival jitter, loss of first transmissions per report interval, and the
 * missing packets to NACK — asked for at once, then again every round trip, until they come,
 * the deadline passes or MAX_TRIES is reached.
 */
export class ReceiveTracker {
  received = 0;
  recovered = 0;
  nackSent = 0;
  private highest = -1;
  private readonly missing = new Map<number, { since: number; lastAsked: number; tries: number }>();
  private jitter = 0;
  private lastTransit?: number;
  private intervalExpected = 0;
  private intervalFirstReceived = 0;
  private readonly seen = new Set<number>();
  private readonly seenOrder: number[] = [];

  constructor(private readonly nackWindowMs: number) {}

  get expected(): number {
    return this.highest + 1;
  }

  get lost(): number {
    return Math.max(0, this.expected - this.received);
  }

  get jitterMs(): number {
    return this.jitter;
  }

  /** Returns false for a duplicate. `overflow` is set when the missing list had to be dropped (ask for a keyframe). */
  onPacket(seq: number, retransmit: boolean, sendMs: number, arrival: number): { fresh: boolean; overflow: boolean } {
    if (this.seen.has(seq) || seq <= this.highest - 4 * MAX_MISSING) return { fresh: false, overflow: false };
    this.seen.add(seq);
    this.seenOrder.push(seq);
    if (this.seenOrder.length > 4 * MAX_MISSING) this.seen.delete(this.seenOrder.shift() as number);
    this.received++;
    let overflow = false;
    if (seq > this.highest) {
      for (let s = this.highest + 1; s < seq && seq - s <= MAX_MISSING; s++) this.missing.set(s, { since: arrival, lastAsked: -Infinity, tries: 0 });
      this.intervalExpected += seq - this.highest;
      this.highest = seq;
      if (this.missing.size > MAX_MISSING) {
        this.missing.clear();
        overflow = true;
      }
    } else if (this.missing.delete(seq) && retransmit) this.recovered++;
    if (!retransmit) {
      this.intervalFirstReceived++;
      const transit = arrival - sendMs;
      if (this.lastTransit !== undefined) this.jitter += (Math.abs(transit - this.lastTransit) - this.jitter) / 16;
      this.lastTransit = transit;
    }
    return { fresh: true, overflow };
  }

  /** Sequence numbers to ask for now. */
  nacks(now: number, rttMs: number): number[] {
    const out: number[] = [];
    const retry = Math.max(20, rttMs * 1.2);
    // Reordering is not loss: the first NACK waits a little, more when arrivals jitter.
    const reorder = Math.min(50, 5 + 2 * this.jitter);
    for (const [seq, m] of this.missing) {
      if (now - m.since > this.nackWindowMs || m.tries >= MAX_TRIES) {
        this.missing.delete(seq);
        continue;
      }
      if (now - m.lastAsked < retry || now - m.since < reorder) continue;
      m.lastAsked = now;
      m.tries++;
      out.push(seq);
      if (out.length >= MAX_NACKS) break;
    }
    this.nackSent += out.length;
    return out;
  }

  /**
   * Loss of first transmissions since the last measurement, or -1 while fewer than 30 packets
   * were expected (one loss in eight packets is not 12 % loss: the interval runs on instead).
   */
  takeLossFraction(): number {
    const e = this.intervalExpected;
    const r = this.intervalFirstReceived;
    if (e < MIN_LOSS_SAMPLE) return -1;
    this.intervalExpected = 0;
    this.intervalFirstReceived = 0;
    return Math.max(0, Math.min(1, (e - r) / e));
  }
}
