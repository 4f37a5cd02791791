import { inject, injectable } from 'inversify';
import type { HookContribution, TapApi, WindowRequest, WindowResult } from '@pinhole/core';
import { easyCallee, easyCaller } from './easy';
import { hardCallee, hardCaller } from './hard';
import { BirthdayOptions, STRATEGY } from './options';
import { chooseRole, peerTargets } from './roles';

/**
 * Taps openWindow for "birthday". It declines (undefined) unless exactly one side's NAT is hard,
 * so plain punching (null-udp) handles easy pairs and the relay handles hard × hard.
 */
@injectable()
export class BirthdayStrategy implements HookContribution {
  constructor(@inject(BirthdayOptions) private readonly o: BirthdayOptions) {}

  apply(hooks: TapApi): void {
    hooks.openWindow.for(STRATEGY).tap({}, (req) => this.open(req));
  }

  async open(req: WindowRequest): Promise<WindowResult | undefined> {
    const role = chooseRole(req, this.o);
    const targets = peerTargets(req.remoteCandidates);
    if (!role || targets.length === 0) return undefined;
    if (req.role === 'caller' && !req.probe) return undefined; // nothing to probe with (see WindowProbe)
    if (role === 'hard') return req.role === 'caller' ? hardCaller(req, this.o, targets) : hardCallee(req, this.o, targets);
    return req.role === 'caller' ? easyCaller(req, this.o, targets, role) : easyCallee(req, this.o, targets, role);
  }
}
