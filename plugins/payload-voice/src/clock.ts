/**
 * The call's media clock: milliseconds since the call started, running `speed` times faster
 * than the wall clock (1 = real time). Sender pacing, playout and reports all read it, so a
 * faster-than-real-time call (tests, benchmarks) keeps every ratio intact.
 */
export class MediaClock {
  private readonly t0 = performance.now();
  constructor(readonly speed = 1) {}

  now(): number {
    return (performance.now() - this.t0) * this.speed;
  }

  /** Wall-clock milliseconds until media time `at`. */
  wait(at: number): number {
    return Math.max(0, (at - this.now()) / this.speed);
  }
}

/** Catch-up ticks run in one go before yielding to the event loop. */
const MAX_TICKS_PER_WAKE = 3;

/**
 * Calls `tick` once per period of media time, at start + n·period, drift-corrected: each timer
 * is set for the next due time rather than "period from now", and a late wake-up runs every
 * tick that has come due (a few per turn), so the average rate stays exact however the event loop jitters.
 */
export class Pacer {
  private timer?: NodeJS.Timeout;
  private n = 0;
  private start = 0;
  private running = false;

  constructor(private readonly clock: MediaClock, readonly periodMs: number, private readonly tick: (due: number) => void) {}

  begin(): void {
    if (this.running) return;
    this.running = true;
    this.start = this.clock.now();
    this.n = 0;
    // First tick on the next turn, so the owner has its handle before `tick` can use it.
    this.timer = setTimeout(this.wake, 0);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  private wake = (): void => {
    if (!this.running) return;
    const now = this.clock.now();
    let ran = 0;
    while (this.running && ran < MAX_TICKS_PER_WAKE && this.start + this.n * this.periodMs <= now) {
      this.tick(this.start + this.n++ * this.periodMs);
      ran++;
    }
    if (!this.running) return;
    // Still behind: yield to I/O (arriving packets, other pacers) before catching up further.
    if (this.start + this.n * this.periodMs <= now) this.timer = setTimeout(this.wake, 0);
    else this.timer = setTimeout(this.wake, this.clock.wait(this.start + this.n * this.periodMs));
  };
}
