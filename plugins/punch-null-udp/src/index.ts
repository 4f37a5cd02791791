import type { PluginContext } from '@pinhole/core';
import { openAsCallee } from './callee';
import { openAsCaller } from './caller';
import { DEFAULT_OPTIONS, type NullUdpOptions } from './options';

export { openAsCallee } from './callee';
export { openAsCaller } from './caller';
export type { NullUdpOptions } from './options';

/** Taps openWindow: the callee sends the null packet, the caller probes through the opened window. */
export function activate(context: PluginContext): void {
  const o: NullUdpOptions = { ...DEFAULT_OPTIONS, ...(context.options as Partial<NullUdpOptions>) };
  context.hooks.openWindow.tap({ stage: o.stage }, (req) => (req.role === 'callee' ? openAsCallee(req, o) : openAsCaller(req, o)));
}
