import type { Contributed, Contributions } from '../container/services';
import type { PunchStrategyEntry } from '../manifest/types';
import { byCodeUnit } from '../util/compare';
import type { NatClass } from './nat';

/**
 * The punch strategies the enabled manifests contribute, lowest `stage` first (then by name):
 * all of them, or those declaring the NAT pair class `cls` (an entry without `natClasses`
 * serves every class). The manager names these for a call; a peer without a list from the
 * manager tries them all in this order.
 */
export function punchStrategiesFor(contributions: Contributions, cls?: NatClass): Array<Contributed<PunchStrategyEntry>> {
  return contributions
    .of('punchStrategies')
    .filter((s) => !cls || !s.natClasses || s.natClasses.includes(cls))
    .sort((a, b) => (a.stage ?? 0) - (b.stage ?? 0) || byCodeUnit(a.name, b.name));
}
