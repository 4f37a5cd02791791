/** Arrival outcome per extended sequence number. */
const NOT_SEEN = 0;
const ON_TIME = 1;
const LATE = 2;
/** Sequence numbers tracked one by one (≈ 23 h at 50 packets/s); counts go on past it. */
const MAX_TRACKED = 1 << 22;

/**
 * Receiver-side statistics of one RTP-style stream (RFC 3550 §6.4.1, Appendix A.1/A.3/A.8):
 * extended sequence numbers, expected/received/lost, interarrival jitter, and the loss pattern
 * (which packets arrived in time) for the E-model's burst ratio.
 */
export class ReceiveStats {
  private readonly base: number;
  private maxExt: number;
  private seen = new Uint8Array(1024);
  private jitter = 0;
  private lastTransit: number | undefined;
  received = 0;
  duplicates = 0;
  late = 0;

  constructor(private readonly clockRate: number, sequenceBase: number) {
    this.base = sequenceBase & 0xffff;
    this.maxExt = this.base - 1;
  }

  /**
   * Registers an arrival; returns the extended sequence number, or undefined for a duplicate or
   * a packet from before the stream began. `position` is the unwrapped RTP timestamp.
   */
  arrive(sequence: number, position: number, arrivalMs: number): number | undefined {
    const ref = this.maxExt;
    let d = (sequence - (ref & 0xffff)) & 0xffff;
    if (d >= 0x8000) d -= 0x10000;
    const ext = ref + d;
    if (ext < this.base) return undefined;
    const i = ext - this.base;
    if (i < MAX_TRACKED) {
      this.grow(i);
      if (this.seen[i] !== NOT_SEEN) {
        this.duplicates++;
        return undefined;
      }
      this.seen[i] = ON_TIME;
    }
    this.received++;
    if (ext > this.maxExt) this.maxExt = ext;
    // A.8: J += (|D| − J)/16 with D the change in transit time, in timestamp units.
    const transit = (arrivalMs * this.clockRate) / 1000 - position;
    if (this.lastTransit !== undefined) this.jitter += (Math.abs(transit - this.lastTransit) - this.jitter) / 16;
    this.lastTransit = transit;
    return ext;
  }

  /** The packet arrived but after its playout time. */
  markLate(ext: number): void {
    this.late++;
    const i = ext - this.base;
    if (i >= 0 && i < MAX_TRACKED) this.seen[i] = LATE;
  }

  /** The sender says its last packet had this sequence number (counts trailing losses). */
  finalSequence(sequence: number): void {
    let d = (sequence - (this.maxExt & 0xffff)) & 0xffff;
    if (d >= 0x8000) d -= 0x10000;
    if (d > 0) this.maxExt += d;
  }

  get highest(): number {
    return this.maxExt;
  }

  get expected(): number {
    return this.maxExt - this.base + 1;
  }

  /** RFC 3550 cumulative loss (never negative here: duplicates are not counted as received). */
  get lost(): number {
    return Math.max(0, this.expected - this.received);
  }

  get jitterMs(): number {
    return (this.jitter / this.clockRate) * 1000;
  }

  /** Lost or late, in percent of expected: what the listener missed. */
  get effectiveLossPercent(): number {
    const e = this.expected;
    return e <= 0 ? 0 : (100 * (this.lost + this.late)) / e;
  }

  /**
   * G.107 burst ratio 1/(p+q) of the two-state loss model fitted to the pattern, with p the
   * chance of a loss after a good packet and q of a good packet after a loss (1 = random).
   */
  burstRatio(): number {
    const n = Math.min(this.expected, MAX_TRACKED);
    let goodPrev = 0;
    let lostPrev = 0;
    let goodToLost = 0;
    let lostToGood = 0;
    for (let i = 1; i < n; i++) {
      const prevLost = this.seen[i - 1] !== ON_TIME;
      const nowLost = this.seen[i] !== ON_TIME;
      if (prevLost) {
        lostPrev++;
        if (!nowLost) lostToGood++;
      } else {
        goodPrev++;
        if (nowLost) goodToLost++;
      }
    }
    if (goodToLost === 0 || lostPrev === 0 || goodPrev === 0) return 1;
    const p = goodToLost / goodPrev;
    const q = lostToGood / lostPrev;
    return p + q > 0 ? 1 / (p + q) : 1;
  }

  private grow(i: number): void {
    if (i < this.seen.length) return;
    let len = this.seen.length;
    while (len <= i) len *= 2;
    const next = new Uint8Array(Math.min(len, MAX_TRACKED));
    next.set(this.seen);
    this.seen = next;
  }
}
