/**
 * Reconnect delays: exponential from `minMs`, capped at `maxMs`, each drawn between half and
 * all of the step (jitter), so peers dropped together by a manager restart do not return in lockstep.
 */
export class Backoff {
  private attempt = 0;

  constructor(private readonly minMs: number, private readonly maxMs: number, private readonly random: () => number = Math.random) {}

  next(): number {
    const step = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt++, 30));
    return Math.round(step / 2 + this.random() * (step / 2));
  }

  reset(): void {
    this.attempt = 0;
  }
}
