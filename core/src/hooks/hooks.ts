import type { HookPoint, KeyedHookPoint } from './hook-point';
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
 * A Hooks object belongs to one host; plugins tap it only through the TapApi their
 * HookContribution receives, which names and orders the tap and hands back a Disposable.
 */
export interface Hooks {
  /** Waterfall over the registration (client: build it; manager: admit it). A tap refuses by throwing. */
  readonly register: HookPoint<[Registration, RegisterContext], Registration>;
  /** Keyed by notification kind (incomingCall, openWindow, ready, reject, hangup …); taps run in series. */
  readonly notify: KeyedHookPoint<[Notification], void>;
  /**
   * Keyed by punch strategy (a `contributes.punchStrategies` name). Each key is series-bail: the
   * first tap that returns a WindowResult wins, undefined means "not me". The call runs the
   * strategies the plugins contribute, in their manifests' `stage` order, until one answers.
   */
  readonly openWindow: KeyedHookPoint<[WindowRequest], WindowResult | undefined>;
  /** Keyed by payload type: taps attach handlers and per-packet transforms to a new session. */
  readonly stream: KeyedHookPoint<[StreamContext], void>;
}
export const Hooks = Symbol('Hooks');

export type HookName = keyof Hooks;
export const HOOK_NAMES: readonly HookName[] = Object.freeze(['register', 'notify', 'openWindow', 'stream']);
