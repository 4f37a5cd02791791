/**
 * Leaky-bucket pacer: datagrams leave at `rate` bit/s (WebRTC paces at 2.5× the target) in
 * 5 ms steps instead of a frame's worth at once, so a keyframe does not overflow a queue on
 * the path. Retransmissions go first. Nothing is dropped here (a gap in sequence numbers must
 * mean loss on the path): when the oldest datagram has waited `maxQueueMs`, the rate rises to
 * drain the queue within that time, and the sender stops adding frames while much is queued.
 */
/** Something to send, built when it leaves (so its send timestamp is the real one). */
export interface Paced {
  size: number;
  send(): void;
}

export class Pacer {
  rate: number;
  sentBytes = 0;
  private readonly urgent: Paced[] = [];
  private readonly queue: Array<{ at: number; item: Paced }> = [];
  private budget = 0;
  private last?: number;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(rate: number, private readonly now: () => number, private readonly maxQueueMs = 500) {
    this.rate = rate;
  }

  get queuedBytes(): number {
    return this.queue.reduce((s, q) => s + q.item.size, 0) + this.urgent.reduce((s, p) => s + p.size, 0);
  }

  get empty(): boolean {
    return this.queue.length === 0 && this.urgent.length === 0;
  }

  push(item: Paced, urgent = false): void {
    if (this.stopped) return;
    if (urgent) this.urgent.push(item);
    else this.queue.push({ at: this.now(), item });
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private kick(): void {
    if (!this.timer && !this.stopped) this.timer = setTimeout(this.drain, 0);
  }

  private drain = (): void => {
    this.timer = undefined;
    const now = this.now();
    const dt = Math.min(50, now - (this.last ?? now));
    if (this.last === undefined) this.budget = Math.max(this.budget, 1200); // waking from idle: the first datagram goes at once
    this.last = now;
    // Drain faster when the oldest datagram has waited too long (WebRTC's queue-time limit).
    const late = this.queue.length > 0 && now - this.queue[0].at > this.maxQueueMs;
    const rate = late ? Math.max(this.rate, (this.queuedBytes * 8 * 1000) / (this.maxQueueMs / 2)) : this.rate;
    // At most 40 ms of credit: late timer wake-ups (a loaded event loop) still get the full rate, bursts stay short.
    this.budget = Math.min(this.budget + (rate / 8) * (dt / 1000), Math.max(1200, (rate / 8) * 0.04));
    while (this.budget > 0) {
      const p = this.urgent.shift() ?? this.queue.shift()?.item;
      if (!p) break;
      this.budget -= p.size;
      this.sentBytes += p.size;
      p.send();
    }
    if (!this.empty) this.timer = setTimeout(this.drain, 5);
    else this.last = undefined;
  };
}
