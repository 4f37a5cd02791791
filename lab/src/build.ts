/**
 * Builds and tears down a lab from its plan. Setup is three parallel stages:
 * namespaces → links (veth pairs, or TUN delay lines) → one config script per namespace.
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { isDelayLineOf, startDelayLine } from './delayline';
import { createNamespaces, destroyNamespaces } from './netns';
import { routerRuleset } from './nft';
import { LabPlan, namespacesFor } from './plan';
import { hostScript, internetScript, routerScript, WanMode } from './scripts';
import { mustRun } from './shell';
import { prepareWorkDir, readState, removeState } from './state';
import { startLabTurn } from './turn';
import type { LabTurn } from './types';

/**
 * Explicit ifindexes, distinct from the peer's: the kernel treats carrier-on of a veth whose
 * ifindex equals its peer's as a non-urgent link event and delays it (and the qdisc that lets
 * packets out) by up to a second, silently dropping the first packets.
 */
const IFINDEX = { lan: 10, wan: 11, eth0: 20, ra: 21, rb: 22 } as const;

/** Creates everything in `plan`; returns the helper pids (delay lines, coturn) and the TURN server. Leaves partial state on failure (caller tears down). */
export async function buildLab(plan: LabPlan): Promise<{ pids: number[]; turn?: LabTurn }> {
  const { a, b } = plan.sites;
  const work = prepareWorkDir(plan.prefix);
  const mode: WanMode = plan.options.delayMs > 0 ? 'tun' : 'veth';

  await createNamespaces(plan.namespaces);

  // veth pairs are created straight inside their namespaces, so nothing touches the root
  // namespace and parallel labs cannot collide on interface names.
  const veths = [a, b].map((s) => `link add lan index ${IFINDEX.lan} netns ${s.routerNs} type veth peer name eth0 index ${IFINDEX.eth0} netns ${s.hostNs}\n`);
  if (mode === 'veth') {
    veths.push(...[a, b].map((s) => `link add wan index ${IFINDEX.wan} netns ${s.routerNs} type veth peer name ${s.inetDev} index ${IFINDEX[s.side === 'a' ? 'ra' : 'rb']} netns ${plan.inetNs}\n`));
  }
  const delayLines = (): Promise<number[]> =>
    Promise.all(
      [a, b].map((s) =>
        startDelayLine({
          ns1: s.routerNs,
          dev1: 'wan',
          ns2: plan.inetNs,
          dev2: s.inetDev,
          delayMs: plan.options.delayMs,
          logFile: join(work, `delayline-${s.side}.log`),
        }),
      ),
    );
  const [, pids] = await Promise.all([
    mustRun(['ip', '-batch', '-'], 'create veth links', { input: veths.join('') }),
    mode === 'tun' ? delayLines() : Promise.resolve([]),
  ]);

  const scripts: Array<[string, string]> = [
    [plan.inetNs, internetScript(plan, mode)],
    [a.hostNs, hostScript(a, plan.options.ipv6)],
    [b.hostNs, hostScript(b, plan.options.ipv6)],
  ];
  for (const s of [a, b]) {
    const nftFile = join(work, `${s.routerNs}.nft`);
    writeFileSync(nftFile, routerRuleset(s.kind, plan.options.loss) + (plan.options.ipv6 ? routerRuleset(s.kind, plan.options.loss, 'ip6') : ''));
    scripts.push([s.routerNs, routerScript(plan, s, mode, nftFile)]);
  }
  await Promise.all(scripts.map(([ns, script]) => mustRun(['ip', 'netns', 'exec', ns, 'sh', '-ec', script], `configure ${ns}`)));
  if (!plan.options.turn) return { pids };
  const { turn, pid } = await startLabTurn(plan, work);
  return { pids: [...pids, pid], turn };
}

/** Removes every trace of a lab with this prefix: processes, namespaces, state. Safe to repeat. */
export async function teardownLab(prefix: string): Promise<void> {
  const inetNs = `${prefix}-inet`;
  const pids = (readState(prefix)?.pids ?? []).filter((pid) => isDelayLineOf(pid, inetNs));
  await destroyNamespaces(namespacesFor(prefix), pids);
  removeState(prefix);
}
