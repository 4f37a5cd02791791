import type { TapApi } from './tap';

/**
 * A plugin's taps. The host resolves the plugin's HookContributions right after loading its
 * module and calls `apply` with a TapApi named after the plugin; every tap is disposed when the
 * plugin deactivates. Bind with `contribute(bind, ctx, HookContribution, MyTaps)`.
 */
export interface HookContribution {
  apply(hooks: TapApi): void;
}
export const HookContribution = Symbol('HookContribution');
