import type { Disposable } from '../disposable';

/** A tap as runners and diagnostics see it: who, and in which order. */
export interface TapInfo {
  readonly name: string;
  readonly stage: number;
  readonly before?: string;
}

/**
 * One hook point as the code that runs it sees it. Taps are added only through a plugin's
 * TapApi (named, ordered, disposable); runners call `promise` and may look at `taps`.
 */
export interface HookPoint<A extends unknown[], R> {
  /** The taps in the order they run. */
  readonly taps: readonly TapInfo[];
  isUsed(): boolean;
  promise(...args: A): Promise<R>;
}

/** A hook point per key (notification kind, punch strategy, payload type), made on first use. */
export interface KeyedHookPoint<A extends unknown[], R> {
  for(key: string): HookPoint<A, R>;
  /** Keys that have at least one tap. */
  keys(): string[];
}

type TapFn<A extends unknown[], R> = (...args: A) => Promise<R>;

/** The part of a tapable hook this module uses: public API only. */
interface TapableHook<A extends unknown[], R> {
  readonly taps: ReadonlyArray<{ name: string; stage?: number; before?: string }>;
  isUsed(): boolean;
  tapPromise(options: { name: string; stage?: number; before?: string }, fn: TapFn<A, R>): void;
  promise(...args: A): Promise<R>;
}

/** What createTapApi uses to add a tap; kept off the runner interface so only a TapApi taps. */
export type Tapper<A extends unknown[], R> = (info: TapInfo, fn: TapFn<A, R>) => Disposable;
const tappers = new WeakMap<object, unknown>();

/** The tapper of a hook point made by createHooks (undefined for anything else). */
export function tapperOf<A extends unknown[], R>(point: HookPoint<A, R>): Tapper<A, R> | undefined {
  return tappers.get(point) as Tapper<A, R> | undefined;
}

/**
 * A stable facade over a tapable hook. tapable has no untap, so this facade owns the list of
 * taps and, whenever it changes, builds a fresh tapable hook and taps it again through the
 * public `tapPromise` (in the original insertion order, so stage/before ties resolve as before).
 * Tapping is rare (activation, deactivation), calling is hot: the call path stays tapable's
 * compiled function behind one property read.
 */
class FacadeHookPoint<A extends unknown[], R> implements HookPoint<A, R> {
  private entries: Array<{ info: TapInfo; fn: TapFn<A, R> }> = [];
  private current: TapableHook<A, R>;

  constructor(private readonly make: () => TapableHook<A, R>) {
    this.current = make();
    const tapper: Tapper<A, R> = (info, fn) => this.add(info, fn);
    tappers.set(this, tapper);
  }

  get taps(): readonly TapInfo[] {
    return this.current.taps.map((t) => ({ name: t.name, stage: t.stage ?? 0, ...(t.before !== undefined ? { before: t.before } : {}) }));
  }

  isUsed(): boolean {
    return this.current.isUsed();
  }

  promise(...args: A): Promise<R> {
    return this.current.promise(...args);
  }

  private add(info: TapInfo, fn: TapFn<A, R>): Disposable {
    const entry = { info, fn };
    this.entries = [...this.entries, entry];
    this.rebuild();
    return {
      dispose: () => {
        if (!this.entries.includes(entry)) return;
        this.entries = this.entries.filter((e) => e !== entry);
        this.rebuild();
      },
    };
  }

  private rebuild(): void {
    const next = this.make();
    for (const { info, fn } of this.entries) next.tapPromise({ name: info.name, stage: info.stage, before: info.before }, fn);
    this.current = next;
  }
}

class FacadeKeyedHookPoint<A extends unknown[], R> implements KeyedHookPoint<A, R> {
  private readonly points = new Map<string, FacadeHookPoint<A, R>>();
  constructor(private readonly make: (key: string) => TapableHook<A, R>) {}

  for(key: string): HookPoint<A, R> {
    let p = this.points.get(key);
    if (!p) this.points.set(key, (p = new FacadeHookPoint(() => this.make(key))));
    return p;
  }

  keys(): string[] {
    return [...this.points].filter(([, p]) => p.taps.length > 0).map(([k]) => k);
  }
}

export function hookPoint<A extends unknown[], R>(make: () => TapableHook<A, R>): HookPoint<A, R> {
  return new FacadeHookPoint(make);
}

export function keyedHookPoint<A extends unknown[], R>(make: (key: string) => TapableHook<A, R>): KeyedHookPoint<A, R> {
  return new FacadeKeyedHookPoint(make);
}
