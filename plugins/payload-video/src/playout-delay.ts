const WINDOW = 100;

/**
 * The frame buffer's delay, from measured jitter: each complete frame's transit (arrival of its
 * last fragment on our clock minus its capture time on the sender's) is kept for the last 100
 * frames; the fastest is the base, and the delay covers the 95th percentile above it, plus one
 * round trip for a retransmission once loss has been seen, within [min, max].
 */
export class PlayoutDelay {
  private readonly transits: number[] = [];
  base?: number;
  jitterMs = 0;
  lossSeen = false;

  constructor(private readonly minMs: number, private readonly maxMs: number) {}

  observe(transit: number): void {
    this.transits.push(transit);
    if (this.transits.length > WINDOW) this.transits.shift();
    const sorted = [...this.transits].sort((a, b) => a - b);
    this.base = sorted[0];
    this.jitterMs = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] - sorted[0];
  }

  /** Target delay beyond the fastest frame (ms). `extraMs` lets video wait for audio (lip sync). */
  target(rttMs: number, extraMs = 0): number {
    const repair = this.lossSeen ? rttMs + 30 : 0;
    return Math.max(this.minMs, Math.min(this.maxMs, Math.max(this.jitterMs + repair + 10, extraMs)));
  }

  /** When a frame captured at `captureMs` (sender clock) is due on our clock. */
  due(captureMs: number, rttMs: number, extraMs = 0): number {
    return captureMs + (this.base ?? 0) + this.target(rttMs, extraMs);
  }
}
