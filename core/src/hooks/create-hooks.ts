import { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook } from 'tapable';
import { hookPoint, keyedHookPoint } from './hook-point';
import type { Hooks } from './hooks';
import type { Notification, RegisterContext, Registration, StreamContext, WindowRequest, WindowResult } from './types';

/** A fresh set of hook points (a host makes one; a manager started on its own may make its own). */
export function createHooks(): Hooks {
  return Object.freeze({
    register: hookPoint<[Registration, RegisterContext], Registration>(() => new AsyncSeriesWaterfallHook<[Registration, RegisterContext]>(['registration', 'context'], 'register')),
    notify: keyedHookPoint<[Notification], void>((kind) => new AsyncSeriesHook<[Notification]>(['notification'], `notify:${kind}`)),
    openWindow: keyedHookPoint<[WindowRequest], WindowResult | undefined>((strategy) => new AsyncSeriesBailHook<[WindowRequest], WindowResult | undefined>(['request'], `openWindow:${strategy}`)),
    stream: keyedHookPoint<[StreamContext], void>((type) => new AsyncSeriesHook<[StreamContext]>(['session'], `stream:${type}`)),
  });
}
