import type { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook } from 'tapable';
import type { Disposable } from '../disposable';
import { PinholeError, PluginError } from '../errors';
import type { HookName, Hooks } from './hooks';
import type { Notification, RegisterContext, Registration, StreamContext, WindowRequest, WindowResult } from './types';

export interface TapOptions {
  /** Lower stages run first (tapable semantics); default 0. */
  stage?: number;
  /** Run before the taps of these plugins. */
  before?: string | string[];
}

type Fn<A extends unknown[], R> = (...args: A) => R | Promise<R>;
interface TapTarget<A extends unknown[], R> {
  taps: Array<{ fn: Function }>;
  tapPromise(options: { name: string; stage?: number; before?: string | string[] }, fn: (...args: A) => Promise<R>): void;
}

/** The tap surface a plugin sees: every tap is named after it and returns a Disposable. */
export interface TapApi {
  register: { tap(opts: TapOptions, fn: Fn<[Registration, RegisterContext], Registration>): Disposable };
  notify: { for(kind: string): { tap(opts: TapOptions, fn: Fn<[Notification], void>): Disposable } };
  openWindow: { tap(opts: TapOptions, fn: Fn<[WindowRequest], WindowResult | undefined>): Disposable };
  stream: { for(payloadType: string): { tap(opts: TapOptions, fn: Fn<[StreamContext], void>): Disposable } };
}

/** Finds the error a tap originally threw, through the host's wrapping. */
export function tapErrorCause(err: unknown): unknown {
  let e = err;
  while (e instanceof PluginError && e.code === 'E_HOOK_TAP_FAILED' && e.cause !== undefined) e = e.cause;
  return e;
}

function tapOn<A extends unknown[], R>(
  hook: TapTarget<A, R>,
  pluginId: string,
  hookName: string,
  opts: TapOptions,
  fn: Fn<A, R>,
): Disposable {
  const wrapped = async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (err) {
      const cause = err as Error;
      const causeCode = err instanceof PinholeError ? err.code : undefined;
      throw new PluginError(
        'E_HOOK_TAP_FAILED',
        `plugin "${pluginId}" failed in hook "${hookName}": ${cause?.message ?? String(err)}`,
        { plugin: pluginId, hook: hookName, causeCode },
        { cause: err },
      );
    }
  };
  hook.tapPromise({ name: pluginId, stage: opts.stage, before: opts.before }, wrapped);
  return {
    dispose() {
      // tapable has no untap: remove our tap and make the hook recompile its call function.
      const i = hook.taps.findIndex((t) => t.fn === wrapped);
      if (i >= 0) {
        hook.taps.splice(i, 1);
        (hook as unknown as { _resetCompilation(): void })._resetCompilation();
      }
    },
  };
}

export function createTapApi(hooks: Hooks, pluginId: string, track: (d: Disposable) => void = () => {}): TapApi {
  const make = <A extends unknown[], R>(hook: unknown, name: string) => ({
    tap(opts: TapOptions, fn: Fn<A, R>): Disposable {
      const d = tapOn(hook as TapTarget<A, R>, pluginId, name, opts, fn);
      track(d);
      return d;
    },
  });
  return Object.freeze({
    register: make<[Registration, RegisterContext], Registration>(
      hooks.register as AsyncSeriesWaterfallHook<[Registration, RegisterContext]>,
      'register',
    ),
    notify: { for: (kind: string) => make<[Notification], void>(hooks.notify.for(kind) as AsyncSeriesHook<[Notification]>, `notify:${kind}`) },
    openWindow: make<[WindowRequest], WindowResult | undefined>(
      hooks.openWindow as AsyncSeriesBailHook<[WindowRequest], WindowResult | undefined>,
      'openWindow',
    ),
    stream: { for: (type: string) => make<[StreamContext], void>(hooks.stream.for(type) as AsyncSeriesHook<[StreamContext]>, `stream:${type}`) },
  });
}

export type { HookName };
