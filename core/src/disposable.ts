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
