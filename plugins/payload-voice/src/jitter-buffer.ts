export interface JitterBufferOptions {
  clockRate: number;
  frameSamples: number;
  /** Playout delay bounds beyond the fastest recent packet (ms), the plugin's options: a steady path plays minDelayMs close. */
  minDelayMs: number;
  maxDelayMs: number;
  /**
   * The floor on a path with jitter (ms): the delay stays at least min(floorDelayMs, 2 × the
   * measured spread + 2 ms) above the fastest packet. The spread (95 % quantile − fastest) is
   * what the recent packets showed, so on a steady path the floor falls toward minDelayMs, and
   * on a jittery one (spread ≥ 11.5 ms) it is this full margin, as a fixed floor would be. The
   * plugin's default 25 ms is the former fixed 20 ms floor plus the 5 ms a 10 ms playout poll
   * added on average.
   */
  floorDelayMs: number;
  /** Packets in the delay statistics (250 = 5 s of 20 ms frames). */
  window: number;
  /** The playout delay covers this fraction of recent packets (NetEq aims near 0.95). */
  quantile: number;
  /** How much the delay may fall per frame played (ms): 2 ms per 20 ms is a 10 % speed-up, as NetEq's accelerate. */
  shrinkMsPerFrame: number;
  /** Largest clock drift between the peers that is tracked (fraction; 0.02 = 2 %). */
  maxDrift: number;
  /** Delay peaks recurring within this (ms) are covered in full, as NetEq's peak detector does. */
  peakPeriodMs: number;
  /**
   * Peaks in the stream's first moments are not counted: they come from start-up (code loading
   * and compiling on both ends, first packets on a new path), not from the network's habits.
   */
  settleMs: number;
}
/** The algorithm's tuning (not plugin options: the delay bounds and floor come from the manifest's options). */
export const JITTER_TUNING: Omit<JitterBufferOptions, 'clockRate' | 'frameSamples' | 'minDelayMs' | 'maxDelayMs' | 'floorDelayMs'> = {
  window: 250,
  quantile: 0.95,
  shrinkMsPerFrame: 2,
  maxDrift: 0.02,
  peakPeriodMs: 10_000,
  settleMs: 1000,
};

export type InsertResult = 'ok' | 'late' | 'duplicate' | 'early';
/** One frame slot of the playout timeline: the item if it came in time, else empty (conceal). */
export interface PlayoutSlot<T> {
  position: number;
  item?: T;
}

export interface JitterBufferStats {
  late: number;
  duplicate: number;
  early: number;
  played: number;
  missing: number;
  /** Sum over played slots of the playout delay (ms), for the mean. */
  delaySumMs: number;
  maxDelayMs: number;
}

/** How far ahead of the playout point a frame may be (beyond that the sender's clock is off). */
const EARLY_LIMIT_MS = 10_000;
/** A delay peak stands this far above the fastest packet at least (ms), and twice the quantile delay. */
const PEAK_MIN_MS = 40;
/** Packets within this of a peak's start belong to the same peak (one stall, one peak). */
const PEAK_SPAN_MS = 500;
/** The floor follows the measured spread only once this many packets were seen (1 s of 20 ms frames). */
const FLOOR_SETTLE_PACKETS = 50;
const FLOOR_SPREAD_FACTOR = 2;
const FLOOR_MARGIN_MS = 2;
/**
 * Playout runs when a slot is due, not on a polling tick, so nothing adds slack after the target:
 * the margin above the quantile (a fifth of the spread) covers its tail instead.
 */
const TAIL_FACTOR = 0.2;

/**
 * Adaptive jitter buffer on the media timeline. Positions are sample indexes from the stream's
 * start (unwrapped RTP timestamps minus the base), so the output stays aligned with the input
 * whatever the network does. A slot plays at position/clockRate + offset, where the offset is
 * the `quantile` of recent transit times (arrival − media time), each projected to now along a
 * drift line through the fastest packets, so a sender clock that runs fast or slow does not turn
 * every packet late. The offset rises at once when delay grows and falls at most
 * shrinkMsPerFrame per slot (time compression, as NetEq's accelerate).
 * Delay peaks (a stall, then a burst) that recur within peakPeriodMs are too rare for the
 * quantile, so — like NetEq's peak detector — the highest recent one sets a floor on the target.
 * The quantile alone would leave its 5 % tail late, so the target is a fifth of the spread above
 * it, and never below a floor that follows the measured spread (floorDelayMs): a steady path
 * plays within a few ms of the fastest packet instead of a fixed 20 ms behind, a jittery one
 * keeps the full floor.
 * Pure: times come in as arguments, so tests drive it from synthetic arrivals.
 */
export class JitterBuffer<T> {
  readonly o: JitterBufferOptions;
  readonly stats: JitterBufferStats = { late: 0, duplicate: 0, early: 0, played: 0, missing: 0, delaySumMs: 0, maxDelayMs: 0 };
  private readonly items = new Map<number, T>();
  private readonly arrivals: number[] = [];
  private readonly transits: number[] = [];
  private next: number;
  private offset: number | undefined;
  private target = 0;
  private floorTransit = 0;
  private dirty = false;
  private readonly peaks: Array<{ at: number; height: number }> = [];
  /** The quantile's share of the delay (without peaks): what a peak must stand out from. */
  private quantileDelay = 0;
  private firstArrival: number | undefined;

  constructor(opts: Partial<JitterBufferOptions> & Pick<JitterBufferOptions, 'clockRate' | 'frameSamples' | 'minDelayMs' | 'maxDelayMs' | 'floorDelayMs'>, startPosition = 0) {
    this.o = { ...JITTER_TUNING, ...opts };
    this.next = startPosition;
  }

  /** Next position to play. */
  get nextPosition(): number {
    return this.next;
  }

  get size(): number {
    return this.items.size;
  }

  /** Current playout delay beyond the fastest recent packet (ms). */
  get delayMs(): number {
    return this.offset === undefined ? 0 : this.offset - this.floorTransit;
  }

  /** Highest position buffered, or undefined when empty. */
  get lastBuffered(): number | undefined {
    let max: number | undefined;
    for (const p of this.items.keys()) if (max === undefined || p > max) max = p;
    return max;
  }

  insert(position: number, item: T, arrivalMs: number): InsertResult {
    this.observe(arrivalMs - this.mediaMs(position), arrivalMs);
    if (position < this.next) {
      this.stats.late++;
      return 'late';
    }
    if (this.items.has(position)) {
      this.stats.duplicate++;
      return 'duplicate';
    }
    if (this.mediaMs(position - this.next) > EARLY_LIMIT_MS + this.o.maxDelayMs) {
      this.stats.early++;
      return 'early';
    }
    this.items.set(position, item);
    return 'ok';
  }

  /** The slots due by `nowMs` (never beyond `end`, exclusive), in order. */
  pop(nowMs: number, end = Infinity): PlayoutSlot<T>[] {
    if (this.offset === undefined && this.transits.length === 0) return [];
    this.retarget();
    const out: PlayoutSlot<T>[] = [];
    while (this.next < end && this.mediaMs(this.next) + (this.offset as number) <= nowMs) {
      out.push(this.take());
      this.offset = Math.max(this.target, (this.offset as number) - this.o.shrinkMsPerFrame);
    }
    return out;
  }

  /** Every remaining slot up to the last buffered frame (or `end`), regardless of time: the call is over. */
  drain(end?: number): PlayoutSlot<T>[] {
    const last = this.lastBuffered;
    const stop = end ?? (last === undefined ? this.next : last + this.o.frameSamples);
    const out: PlayoutSlot<T>[] = [];
    while (this.next < stop) out.push(this.take());
    this.items.clear();
    return out;
  }

  private take(): PlayoutSlot<T> {
    const position = this.next;
    const item = this.items.get(position);
    this.items.delete(position);
    this.next += this.o.frameSamples;
    const delay = this.delayMs;
    this.stats.played++;
    if (item === undefined) this.stats.missing++;
    this.stats.delaySumMs += delay;
    if (delay > this.stats.maxDelayMs) this.stats.maxDelayMs = delay;
    return item === undefined ? { position } : { position, item };
  }

  private mediaMs(samples: number): number {
    return (samples / this.o.clockRate) * 1000;
  }

  private observe(transit: number, arrivalMs: number): void {
    this.firstArrival ??= arrivalMs;
    if (this.transits.length >= 20 && arrivalMs - this.firstArrival >= this.o.settleMs) this.detectPeak(transit - this.floorTransit, arrivalMs);
    this.transits.push(transit);
    this.arrivals.push(arrivalMs);
    if (this.transits.length > this.o.window) {
      this.transits.shift();
      this.arrivals.shift();
    }
    this.dirty = true;
  }

  /** Recomputes the target offset from the window, and moves the offset toward it (up at once). */
  private retarget(): void {
    if (this.dirty) {
      const n = this.transits.length;
      const now = this.arrivals[n - 1];
      const slope = this.driftSlope();
      const projected = this.transits.map((t, i) => t + slope * (now - this.arrivals[i])).sort((a, b) => a - b);
      const lo = projected[0];
      const q = projected[Math.min(n - 1, Math.ceil(this.o.quantile * n) - 1)];
      this.floorTransit = lo;
      this.quantileDelay = q - lo;
      this.target = Math.min(lo + this.o.maxDelayMs, Math.max(lo + this.floor(n), q + TAIL_FACTOR * this.quantileDelay, lo + this.peakHeight()));
      this.dirty = false;
    }
    if (this.offset === undefined || this.target > this.offset) this.offset = this.target;
  }

  /** The floor above the fastest packet: the full floorDelayMs until the spread is known, then what the spread calls for. */
  private floor(packets: number): number {
    const { minDelayMs, floorDelayMs } = this.o;
    if (packets < FLOOR_SETTLE_PACKETS) return Math.max(minDelayMs, floorDelayMs);
    return Math.max(minDelayMs, Math.min(floorDelayMs, FLOOR_SPREAD_FACTOR * this.quantileDelay + FLOOR_MARGIN_MS));
  }

  /** Media time (ms) the next slot plays at, or undefined before the first packet. */
  nextDueMs(): number | undefined {
    if (this.offset === undefined && this.transits.length === 0) return undefined;
    this.retarget();
    return this.mediaMs(this.next) + (this.offset as number);
  }

  /** Records a delay peak; packets of one stall count once, with the stall's height. */
  private detectPeak(relative: number, arrivalMs: number): void {
    const last = this.peaks[this.peaks.length - 1];
    if (last && arrivalMs - last.at < PEAK_SPAN_MS) {
      if (relative > last.height) last.height = relative;
      return;
    }
    if (relative > PEAK_MIN_MS && relative > 2 * this.quantileDelay) this.peaks.push({ at: arrivalMs, height: relative });
  }

  /** The highest recent peak when peaks recur (two or more within the period), else 0. */
  private peakHeight(): number {
    const now = this.arrivals[this.arrivals.length - 1];
    while (this.peaks.length && now - this.peaks[0].at > this.o.peakPeriodMs) this.peaks.shift();
    return this.peaks.length >= 2 ? Math.max(...this.peaks.map((p) => p.height)) : 0;
  }

  /**
   * Drift as the slope between the fastest packets of the window's older and newer halves: the
   * fastest packets follow the path's base delay, so jitter spikes and bursts (which only add
   * delay) do not read as drift. Clamped to ±maxDrift.
   */
  private driftSlope(): number {
    const n = this.transits.length;
    if (n < 20) return 0;
    const half = n >> 1;
    let a = 0;
    let b = half;
    for (let i = 1; i < half; i++) if (this.transits[i] < this.transits[a]) a = i;
    for (let i = half + 1; i < n; i++) if (this.transits[i] < this.transits[b]) b = i;
    const dt = this.arrivals[b] - this.arrivals[a];
    if (dt < (this.arrivals[n - 1] - this.arrivals[0]) / 4) return 0;
    return Math.max(-this.o.maxDrift, Math.min(this.o.maxDrift, (this.transits[b] - this.transits[a]) / dt));
  }
}
