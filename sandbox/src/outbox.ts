/**
 * Collects messages and sends them together once per event-loop turn (setImmediate: after every
 * timer and I/O callback of this turn has had its say, so calls made by many streams' timers in
 * one turn share one message).
 */
export class Outbox<T> {
  private items: T[] = [];
  private transfer: ArrayBuffer[] = [];
  private scheduled?: NodeJS.Immediate;

  constructor(private readonly send: (items: T[], transfer: ArrayBuffer[]) => void) {}

  push(item: T, transfer?: ArrayBuffer[]): void {
    this.items.push(item);
    if (transfer?.length) this.transfer.push(...transfer);
    this.scheduled ??= setImmediate(this.flush);
  }

  readonly flush = (): void => {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.items.length === 0) return;
    const { items, transfer } = this;
    this.items = [];
    this.transfer = [];
    this.send(items, transfer);
  };

  /** Drops what was not sent yet and returns it. */
  clear(): T[] {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const items = this.items;
    this.items = [];
    this.transfer = [];
    return items;
  }
}
