import { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook, HookMap } from 'tapable';
import type {
  Notification,
  RegisterContext,
  Registration,
  StreamContext,
  WindowRequest,
  WindowResult,
} from './types';

/**
 * The four hook points (webpack style: one frozen object, argument names as strings).
 * A Hooks object belongs to one host; plugins tap it only through the host's TapApi,
 * which names and orders the tap and hands back a Disposable.
 */
export interface Hooks {
  /** Waterfall over the registration (client: build it; manager: admit it). A tap refuses by throwing. */
  readonly register: AsyncSeriesWaterfallHook<[Registration, RegisterContext]>;
  /** Keyed by notification kind (incomingCall, openWindow, ready, reject, hangup …); taps run in series. */
  readonly notify: HookMap<AsyncSeriesHook<[Notification]>>;
  /** Series-bail: the first strategy that returns a WindowResult wins; undefined means "not me". */
  readonly openWindow: AsyncSeriesBailHook<[WindowRequest], WindowResult | undefined>;
  /** Keyed by payload type: taps attach handlers and per-packet transforms to a new session. */
  readonly stream: HookMap<AsyncSeriesHook<[StreamContext]>>;
}
export const Hooks = Symbol('Hooks');

export type HookName = keyof Hooks;
export const HOOK_NAMES: readonly HookName[] = Object.freeze(['register', 'notify', 'openWindow', 'stream']);

export function createHooks(): Hooks {
  return Object.freeze({
    register: new AsyncSeriesWaterfallHook<[Registration, RegisterContext]>(['registration', 'context'], 'register'),
    notify: new HookMap(
      (kind: string) => new AsyncSeriesHook<[Notification]>(['notification'], `notify:${kind}`),
      'notify',
    ),
    openWindow: new AsyncSeriesBailHook<[WindowRequest], WindowResult | undefined>(['request'], 'openWindow'),
    stream: new HookMap(
      (type: string) => new AsyncSeriesHook<[StreamContext]>(['session'], `stream:${type}`),
      'stream',
    ),
  });
}
