import { inject, injectable } from 'inversify';
import type { HookContribution, TapApi } from '@pinhole/core';
import { openAsCallee } from './callee';
import { openAsCaller } from './caller';
import { NullUdpOptions, STRATEGY } from './options';

/** Taps openWindow for "null-udp": the callee sends the null packet, the caller probes through the opened window. */
@injectable()
export class NullUdpStrategy implements HookContribution {
  constructor(@inject(NullUdpOptions) private readonly options: NullUdpOptions) {}

  apply(hooks: TapApi): void {
    hooks.openWindow.for(STRATEGY).tap({}, (req) => (req.role === 'callee' ? openAsCallee(req, this.options) : openAsCaller(req, this.options)));
  }
}
