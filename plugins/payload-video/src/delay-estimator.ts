/**
 * Receiver-side delay-based bandwidth estimate in the spirit of WebRTC's GCC
 * (draft-ietf-rmcat-gcc-02; libwebrtc's trendline estimator):
 *  - packets are grouped by send time (bursts within 5 ms); between consecutive groups the
 *    delay variation d = Δarrival − Δsend is accumulated and smoothed;
 *  - the slope of a least-squares line through the last 20 smoothed points (the trend)
 *    tells a growing queue (over-use) from a draining one (under-use);
 *  - an adaptive threshold decides, and an AIMD controller sets the estimate: ×0.85 of the
 *    measured incoming rate on over-use, +8 %/s while normal, hold on under-use.
 * Pure: times come in as arguments (ms).
 */
export interface DelayEstimatorOptions {
  startBps: number;
  minBps: number;
  maxBps: number;
}

type Signal = 'normal' | 'overuse' | 'underuse';

const GROUP_MS = 5;
const WINDOW = 20;
const SMOOTHING = 0.9;
const TREND_GAIN = 4;
const K_UP = 0.0087;
const K_DOWN = 0.039;
const RATE_WINDOW_MS = 500;
/** A delay variation beyond this between two packet groups is an outage, not queueing. */
const OUTAGE_MS = 300;

export class DelayEstimator {
  estimate: number;
  signal: Signal = 'normal';
  private group?: { firstSend: number; lastSend: number; lastArrival: number };
  private prev?: { send: number; arrival: number };
  private acc = 0;
  private smoothed = 0;
  private readonly points: Array<{ t: number; y: number }> = [];
  private threshold = 12.5;
  private lastThresholdAt?: number;
  private overuseSince?: number;
  private lastUpdate?: number;
  private lastDecrease = -Infinity;
  private readonly arrivals: Array<{ at: number; bytes: number }> = [];
  private firstArrival?: number;

  constructor(private readonly o: DelayEstimatorOptions) {
    this.estimate = o.startBps;
  }

  /** Bits per second received over the last half second. */
  incomingBps(now: number): number {
    while (this.arrivals.length && now - this.arrivals[0].at > RATE_WINDOW_MS) this.arrivals.shift();
    const bytes = this.arrivals.reduce((s, a) => s + a.bytes, 0);
    const span = Math.min(RATE_WINDOW_MS, now - (this.firstArrival ?? now));
    return span > 50 ? (bytes * 8 * 1000) / span : 0;
  }

  /** One packet: its sender timestamp, our arrival time, its size. Returns true when the estimate fell. */
  onPacket(sendMs: number, arrivalMs: number, bytes: number): boolean {
    this.firstArrival ??= arrivalMs;
    this.arrivals.push({ at: arrivalMs, bytes });
    const g = this.group;
    if (g && sendMs - g.firstSend <= GROUP_MS && sendMs >= g.firstSend) {
      g.lastSend = Math.max(g.lastSend, sendMs);
      g.lastArrival = Math.max(g.lastArrival, arrivalMs);
      return false;
    }
    if (g && sendMs < g.firstSend) return false; // reordered into an older group
    let fell = false;
    if (g) fell = this.onGroup(g.lastSend, g.lastArrival);
    this.group = { firstSend: sendMs, lastSend: sendMs, lastArrival: arrivalMs };
    return fell;
  }

  private onGroup(send: number, arrival: number): boolean {
    const prev = this.prev;
    this.prev = { send, arrival };
    if (!prev) return false;
    const d = arrival - prev.arrival - (send - prev.send);
    if (Math.abs(d) > OUTAGE_MS) {
      // A path outage (or a stalled host), not a queue: start the trend afresh, as
      // libwebrtc's inter-arrival filter resets on a large jump, instead of reading over-use.
      this.acc = 0;
      this.smoothed = 0;
      this.points.length = 0;
      return false;
    }
    this.acc += d;
    this.smoothed = SMOOTHING * this.smoothed + (1 - SMOOTHING) * this.acc;
    this.points.push({ t: arrival, y: this.smoothed });
    if (this.points.length > WINDOW) this.points.shift();
    if (this.points.length < WINDOW) return this.control(arrival);
    const trend = slope(this.points) * Math.min(this.points.length, 60) * TREND_GAIN;
    this.detect(trend, arrival);
    return this.control(arrival);
  }

  private detect(trend: number, now: number): void {
    const dt = Math.min(100, now - (this.lastThresholdAt ?? now));
    this.lastThresholdAt = now;
    if (trend > this.threshold) {
      this.overuseSince ??= now;
      if (now - this.overuseSince >= 10) this.signal = 'overuse';
    } else {
      this.overuseSince = undefined;
      this.signal = trend < -this.threshold ? 'underuse' : 'normal';
    }
    if (Math.abs(trend) < this.threshold + 15) {
      const k = Math.abs(trend) < this.threshold ? K_DOWN : K_UP;
      this.threshold = Math.max(6, Math.min(600, this.threshold + k * (Math.abs(trend) - this.threshold) * dt));
    }
  }

  private control(now: number): boolean {
    const dt = Math.min(1000, now - (this.lastUpdate ?? now));
    this.lastUpdate = now;
    const incoming = this.incomingBps(now);
    if (this.signal === 'overuse') {
      if (now - this.lastDecrease < 200) return false; // one decrease per reaction time
      this.lastDecrease = now;
      const base = incoming > 0 ? incoming : this.estimate;
      this.estimate = clamp(Math.min(this.estimate, 0.85 * base), this.o.minBps, this.o.maxBps);
      return true;
    }
    if (this.signal === 'normal') {
      const grown = this.estimate * Math.pow(1.08, dt / 1000);
      // Do not run far ahead of what the sender really sends (application-limited).
      const cap = incoming > 0 ? 1.5 * incoming + 10_000 : Infinity;
      this.estimate = clamp(Math.min(grown, Math.max(this.estimate, cap)), this.o.minBps, this.o.maxBps);
    }
    return false;
  }
}

function slope(p: Array<{ t: number; y: number }>): number {
  const n = p.length;
  let st = 0;
  let sy = 0;
  for (const q of p) {
    st += q.t;
    sy += q.y;
  }
  const mt = st / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const q of p) {
    num += (q.t - mt) * (q.y - my);
    den += (q.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

/**
 * Sender side of GCC: the loss-based rate from the receiver's loss fraction (over 10 % loss:
 * cut by half the loss, at most once per 500 ms so one burst is not counted by every report;
 * under 2 %: +8 % per second; between: hold), and the target = min(loss-based, receiver's
 * delay-based estimate).
 */
export class RateController {
  lossBased: number;
  remote?: number;
  private lastAt?: number;
  private lastCut = -Infinity;

  constructor(private readonly o: DelayEstimatorOptions) {
    this.lossBased = o.startBps;
  }

  get target(): number {
    return clamp(Math.min(this.lossBased, this.remote ?? Infinity), this.o.minBps, this.o.maxBps);
  }

  onFeedback(lossFraction: number, estimateBps: number, now: number): void {
    const dt = Math.min(1000, now - (this.lastAt ?? now - 250));
    this.lastAt = now;
    if (estimateBps > 0) this.remote = estimateBps;
    if (lossFraction < 0) {
      // no loss measurement in this report (too few packets yet)
    } else if (lossFraction > 0.1) {
      if (now - this.lastCut >= 500) {
        this.lossBased *= 1 - 0.5 * lossFraction;
        this.lastCut = now;
      }
    } else if (lossFraction < 0.02) this.lossBased *= Math.pow(1.08, dt / 1000);
    // The loss-based rate may lead the delay-based one only a little, so it can follow it up and down.
    this.lossBased = clamp(Math.min(this.lossBased, 1.5 * (this.remote ?? this.lossBased)), this.o.minBps, this.o.maxBps);
  }
}
