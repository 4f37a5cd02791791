import { Arena } from './arena';

/**
 * Collects messages and sends them together once per event-loop turn (setImmediate: after every
 * timer and I/O callback of this turn has had its say, so calls made by many streams' timers in
 * one turn share one message), or at most every `windowMs` when that is set: fewer, fuller
 * messages for that much latency. Typed arrays go into its arena as items are made.
 */
export class Outbox<T> {
  private items: T[] = [];
  readonly arena = new Arena();
  private scheduled?: NodeJS.Immediate | NodeJS.Timeout;

  constructor(
    private readonly send: (items: T[], arena: ReturnType<Arena['take']>) => void,
    private readonly windowMs = 0,
  ) {}

  /** The index the next item gets in its batch (for arena slots). */
  get next(): number {
    return this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
    this.scheduled ??= this.windowMs > 0 ? setTimeout(this.flush, this.windowMs) : setImmediate(this.flush);
  }

  readonly flush = (): void => {
    this.cancel();
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.send(items, this.arena.take());
  };

  private cancel(): void {
    // Each with its own clear: clearImmediate() on a Timeout corrupts Node's count of pending immediates.
    if (this.scheduled && this.windowMs > 0) clearTimeout(this.scheduled as NodeJS.Timeout);
    else if (this.scheduled) clearImmediate(this.scheduled as NodeJS.Immediate);
    this.scheduled = undefined;
  }

  /** Drops what was not sent yet and returns it. */
  clear(): T[] {
    this.cancel();
    const items = this.items;
    this.items = [];
    this.arena.take();
    return items;
  }
}
