/** A promise with its settle functions; rejections are marked handled so an unawaited one never crashes the process. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * One re-armable timeout: `arm` (re)starts it, `kick` marks progress (cheap: it only records
 * the time, the timer re-arms itself for the remainder when it fires early), `stop` clears it.
 * Never keeps the process alive on its own.
 */
export class Watchdog {
  private timer?: NodeJS.Timeout;
  private ms = 0;
  private last = 0;
  private onFire?: () => void;

  arm(ms: number, onFire: () => void): void {
    this.stop();
    this.ms = ms;
    this.onFire = onFire;
    this.last = Date.now();
    this.schedule(ms);
  }

  kick(): void {
    this.last = Date.now();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.onFire = undefined;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      const idle = Date.now() - this.last;
      if (idle < this.ms) return this.schedule(this.ms - idle);
      const fire = this.onFire;
      this.stop();
      fire?.();
    }, ms);
    this.timer.unref();
  }
}

export const secondsSince = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;
