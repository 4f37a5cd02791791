import { EventEmitter } from 'events';
import { toDisposable, type Disposable } from '@pinhole/core';

/** A typed event emitter: `on(name, handler)` returns a Disposable; a throwing handler never breaks the emitter. */
export class Events<E extends Record<string, unknown>> {
  private readonly emitter = new EventEmitter();

  on<K extends keyof E & string>(event: K, handler: (e: E[K]) => void): Disposable {
    const safe = (e: E[K]) => {
      try {
        handler(e);
      } catch (err) {
        queueMicrotask(() => this.emitter.emit('error', err));
      }
    };
    this.emitter.on(event, safe);
    return toDisposable(() => void this.emitter.off(event, safe));
  }

  once<K extends keyof E & string>(event: K): Promise<E[K]> {
    return new Promise((resolve) => this.emitter.once(event, resolve));
  }

  emit<K extends keyof E & string>(event: K, e: E[K]): void {
    if (event === 'error' && this.emitter.listenerCount('error') === 0) return;
    this.emitter.emit(event, e);
  }
}
