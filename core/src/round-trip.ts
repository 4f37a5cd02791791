/**
 * Round trip from periodic reports, the way RTCP does it with LSR/DLSR: each report carries the
 * reporter's clock (`sentAtMs`) and echoes the peer's last `sentAtMs` with how long it was held;
 * the echo's return gives the round trip on our own clock, whatever the peer's clock reads.
 * Smoothed (EWMA 0.2). Used by the voice and video payloads.
 */
export class RoundTrip {
  rttMs?: number;
  private last?: { sentAtMs: number; at: number };

  /** A report from the peer arrived at `now` (our clock). */
  onReport(r: { sentAtMs: number; echoMs: number; echoDelayMs: number }, now: number): void {
    this.last = { sentAtMs: r.sentAtMs, at: now };
    if (r.echoMs > 0) {
      const rtt = now - r.echoMs - r.echoDelayMs;
      if (rtt >= 0) this.rttMs = this.rttMs === undefined ? rtt : 0.8 * this.rttMs + 0.2 * rtt;
    }
  }

  /** The fields for our next report. */
  echo(now: number): { sentAtMs: number; echoMs: number; echoDelayMs: number } {
    return { sentAtMs: now, echoMs: this.last?.sentAtMs ?? 0, echoDelayMs: this.last ? now - this.last.at : 0 };
  }
}
