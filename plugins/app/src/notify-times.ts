import { performance } from 'perf_hooks';
import { inject, injectable } from 'inversify';
import type { HookContribution, TapApi } from '@pinhole/core';

/** When this process last heard each manager notification (the demo narrates the flow with them). */
@injectable()
export class NotifyTimes {
  private readonly seen = new Map<string, number>();

  mark(kind: string): void {
    this.seen.set(kind, performance.now());
  }

  /** performance.now() of the last `kind` notification, if any since the last reset. */
  at(kind: string): number | undefined {
    return this.seen.get(kind);
  }

  reset(): void {
    this.seen.clear();
  }
}

/** The notifications the demo narrates from the caller's side: Ready reaching it. */
export const NARRATED = ['ready'] as const;

/** Taps notify for the narrated kinds and records when they arrive. */
@injectable()
export class NotifyTimesTaps implements HookContribution {
  constructor(@inject(NotifyTimes) private readonly times: NotifyTimes) {}

  apply(hooks: TapApi): void {
    for (const kind of NARRATED) hooks.notify.for(kind).tap({}, () => this.times.mark(kind));
  }
}
