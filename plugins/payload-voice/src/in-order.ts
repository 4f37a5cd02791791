import { isPromise, type Awaitable } from '@pinhole/core';

/**
 * Uses codec results — ready now, or promised by a codec isolated in a worker — strictly in the
 * order they were pushed. A ready result with nothing ahead of it is used at once, so an
 * in-process codec runs exactly as if synchronous. A rejection stops the line: `onError` hears
 * it once and what follows is dropped (the call fails: the codec's plugin crashed).
 */
export class InOrder {
  private pending = 0;
  private tail: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly onError: (err: unknown) => void) {}

  push<T>(v: Awaitable<T>, use: (v: T) => void): void {
    if (this.stopped) {
      if (isPromise(v)) v.catch(() => undefined);
      return;
    }
    if (this.pending === 0 && !isPromise(v)) return use(v);
    this.pending++;
    const p = Promise.resolve(v);
    p.catch(() => undefined); // observed in order below
    this.tail = this.tail.then(async () => {
      try {
        const value = await p;
        if (!this.stopped) use(value);
      } catch (err) {
        if (!this.stopped) {
          this.stopped = true;
          this.onError(err);
        }
      } finally {
        this.pending--;
      }
    });
  }

  /** Resolves once everything pushed so far was used (or dropped). */
  idle(): Promise<void> {
    return this.tail;
  }

  /** The call is over: results still to come are dropped. */
  close(): void {
    this.stopped = true;
  }
}
