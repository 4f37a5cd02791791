/** A path with at least this RTT is long: it starts with several streams and adds one for a 10 % gain. */
export const LONG_PATH_MS = 10;
/**
 * A long path starts with one stream per this much RTT (40 ms: 8). Each stream stalls its own
 * pieces for at least a round trip when it loses a packet, and ramps up from its own initial
 * window; the longer the round trip, the more streams it takes to keep the path busy while some
 * recover. Measured in the lab (2 % loss per router, 40 ms RTT, 96 MiB, encrypted): 2 streams
 * climbing by gain ended at 4–6 and 10.7–18.8 MB/s, 4 fixed 15.6–16.8, 8 fixed 21.3–23.7.
 */
export const RTT_PER_STREAM_MS = 5;
/** A stream is added only while goodput keeps rising by at least this factor per step… */
const GAIN = 1.1;
/**
 * …or this one on a short path, where a stream more mostly costs CPU (udx acks per stream, so
 * several streams batch worse) and a 10 % "gain" is usually noise.
 */
const SHORT_PATH_GAIN = 1.5;
const MIN_STEP_MS = 250;

/**
 * How many data streams a transfer spreads its pieces over. One stream's goodput is capped by
 * its window over the RTT and stalls on every loss until the retransmission lands; more streams
 * share the path. The count starts from the RTT (long paths: one per 5 ms of it) and climbs one at a time while
 * the acknowledged goodput of the last step beat the one before by ≥ 10 % (≥ 50 % on a short
 * path); the first step that does not settles it. A step lasts ≥ 250 ms (or 4 RTT) and until `stepBytes` more were
 * acknowledged, so a slow start or a slow path is never read as "no gain". So loopback or a CPU-bound pair stays at one or two, and a long or
 * lossy path climbs until the streams fill it (or `max`).
 */
export class StreamCount {
  private n: number;
  private settled: boolean;
  private readonly stepMs: number;
  private stepStart?: { at: number; acked: number };
  private lastRate = 0;
  private readonly gain: number;

  /** `fixed` > 0: always that many (up to `max`), no adapting. */
  constructor(
    private readonly max: number,
    rttMs: number | undefined,
    fixed = 0,
    private readonly stepBytes = 4 << 20,
  ) {
    this.n = Math.min(max, fixed > 0 ? fixed : rttMs !== undefined && rttMs >= LONG_PATH_MS ? Math.ceil(rttMs / RTT_PER_STREAM_MS) : 1);
    this.settled = fixed > 0 || this.n >= max;
    this.stepMs = Math.max(MIN_STEP_MS, 4 * (rttMs ?? 0));
    this.gain = rttMs !== undefined && rttMs >= LONG_PATH_MS ? GAIN : SHORT_PATH_GAIN;
  }

  get current(): number {
    return this.n;
  }

  /** Feeds the bytes acknowledged so far at time `now` (ms); returns the count to use from now on. */
  sample(now: number, acked: number): number {
    if (this.settled) return this.n;
    if (!this.stepStart) {
      this.stepStart = { at: now, acked };
      return this.n;
    }
    if (now - this.stepStart.at < this.stepMs || acked - this.stepStart.acked < this.stepBytes) return this.n;
    const rate = (acked - this.stepStart.acked) / (now - this.stepStart.at);
    this.stepStart = { at: now, acked };
    if (rate > this.lastRate * this.gain && this.n < this.max) {
      this.lastRate = rate;
      this.n++;
    } else {
      this.settled = true;
    }
    return this.n;
  }
}
