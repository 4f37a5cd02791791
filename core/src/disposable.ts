/** Something that can be released; returned by every registration so nothing leaks. */
export interface Disposable {
  dispose(): void | Promise<void>;
}

export function toDisposable(fn: () => void | Promise<void>): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      return fn();
    },
  };
}

/** Disposes in reverse order of registration; errors are collected, not short-circuited. */
export async function disposeAll(items: Disposable[]): Promise<unknown[]> {
  const errors: unknown[] = [];
  while (items.length > 0) {
    const item = items.pop()!;
    try {
      await item.dispose();
    } catch (err) {
      errors.push(err);
    }
  }
  return errors;
}

/**
 * Disposables still live, e.g. a handle's subscriptions: `track` returns a wrapper that leaves
 * the set when disposed; `disposeAll` ends whatever is left (at close).
 */
export class DisposableSet {
  private readonly items = new Set<Disposable>();

  track(d: Disposable): Disposable {
    this.items.add(d);
    return toDisposable(() => {
      this.items.delete(d);
      return d.dispose();
    });
  }

  async disposeAll(): Promise<unknown[]> {
    const left = [...this.items];
    this.items.clear();
    return disposeAll(left);
  }
}
