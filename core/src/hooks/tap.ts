import type { Disposable } from '../disposable';
import type { Hooks } from './hooks';
import { tapperOf, type HookPoint } from './hook-point';
import { TapError } from './tap-error';
import type { Notification, RegisterContext, Registration, StreamContext, WindowRequest, WindowResult } from './types';

export interface TapOptions {
  /** Lower stages run first (tapable semantics); default 0. */
  stage?: number;
  /** Run before the taps of this plugin. */
  before?: string;
}

type Fn<A extends unknown[], R> = (...args: A) => R | Promise<R>;

/** One hook point as a plugin sees it: tap it, get a Disposable. */
export interface Tappable<A extends unknown[], R> {
  tap(opts: TapOptions, fn: Fn<A, R>): Disposable;
}

/** The tap surface a plugin's HookContribution receives: every tap is named after the plugin and tracked. */
export interface TapApi {
  register: Tappable<[Registration, RegisterContext], Registration>;
  notify: { for(kind: string): Tappable<[Notification], void> };
  /** Tap the punch strategy your manifest contributes (`contributes.punchStrategies[].name`). */
  openWindow: { for(strategy: string): Tappable<[WindowRequest], WindowResult | undefined> };
  stream: { for(payloadType: string): Tappable<[StreamContext], void> };
}

/** Told about each tap a TapApi makes: its Disposable and where it went ("register", "openWindow:null-udp" …). */
export type TapTracker = (tap: Disposable, where: string) => void;

/**
 * The TapApi for one plugin over a host's hooks. Each tap is named after the plugin, its errors
 * are wrapped once (TapError), and it is reported to `track` so deactivation can dispose it.
 */
export function createTapApi(hooks: Hooks, pluginId: string, track: TapTracker = () => {}): TapApi {
  const on = <A extends unknown[], R>(point: HookPoint<A, R>, where: string): Tappable<A, R> => ({
    tap(opts, fn) {
      const tapper = tapperOf(point);
      if (!tapper) throw new TypeError(`hook "${where}" was not made by createHooks(); tap only a host's hooks`);
      const wrapped = async (...args: A): Promise<R> => {
        try {
          return await fn(...args);
        } catch (err) {
          throw TapError.wrap(err, pluginId, where);
        }
      };
      const d = tapper({ name: pluginId, stage: opts.stage ?? 0, before: opts.before }, wrapped);
      track(d, where);
      return d;
    },
  });
  return Object.freeze({
    register: on(hooks.register, 'register'),
    notify: { for: (kind: string) => on(hooks.notify.for(kind), `notify:${kind}`) },
    openWindow: { for: (strategy: string) => on(hooks.openWindow.for(strategy), `openWindow:${strategy}`) },
    stream: { for: (type: string) => on(hooks.stream.for(type), `stream:${type}`) },
  });
}
