/**
 * Builds and tears down a lab from its plan. Setup is three parallel stages:
 * namespaces → veth links (and the delay-line binary) → one config script per namespace,
 * alongside the delay lines.
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { buildDelayLine, isDelayLineOf, startDelayLine } from './delayline';
import { createNamespaces, destroyNamespaces } from './netns';
import { routerRuleset } from './nft';
import { LabPlan, namespacesFor } from './plan';
import { hostScript, internetScript, routerScript, WIRE_PACKETS_ONLY, wireScript } from './scripts';
import { mustRun } from './shell';
import { prepareWorkDir, readState, removeState } from './state';
import { startLabTurn } from './turn';
import type { LabTurn } from './types';

/**
 * Explicit ifindexes, distinct from the peer's: the kernel treats carrier-on of a veth whose
 * ifindex equals its peer's as a non-urgent link event and delays it (and the qdisc that lets
 * packets out) by up to a second, silently dropping the first packets.
 */
const IFINDEX = { lan: 10, wan: 11, eth0: 20, ra: 21, rb: 22, 'ra-wan': 30, 'ra-inet': 31, 'rb-wan': 32, 'rb-inet': 33 } as const;

/** Tag on a delay line's command line naming its lab and side; `${prefix}/` matches any side. */
const delayTag = (prefix: string, side = ''): string => `${prefix}/${side}`;

/** Creates everything in `plan`; returns the helper pids (delay lines, coturn) and the TURN server. Leaves partial state on failure (caller tears down). */
export async function buildLab(plan: LabPlan): Promise<{ pids: number[]; turn?: LabTurn }> {
  const { a, b } = plan.sites;
  const work = prepareWorkDir(plan.prefix);
  const delayed = plan.options.delayMs > 0;

  await createNamespaces(plan.namespaces);

  // veth pairs are created straight inside their namespaces, so nothing touches the root
  // namespace and parallel labs cannot collide on interface names. With a delay, each WAN
  // link is two veth pairs whose middle ends sit in the wire namespace. WIRE_PACKETS_ONLY on
  // both ends: no TSO/GSO super-packet ever crosses a lab link (see scripts.ts).
  const link = (name: string, ns: string, peer: string, peerNs: string): string =>
    `link add ${name} index ${IFINDEX[name as keyof typeof IFINDEX]} netns ${ns} ${WIRE_PACKETS_ONLY} type veth peer name ${peer} index ${IFINDEX[peer as keyof typeof IFINDEX]} netns ${peerNs} ${WIRE_PACKETS_ONLY}\n`;
  const veths = [a, b].map((s) => link('lan', s.routerNs, 'eth0', s.hostNs));
  for (const s of [a, b]) {
    if (delayed) veths.push(link('wan', s.routerNs, s.wireRouterDev, plan.wireNs), link(s.inetDev, plan.inetNs, s.wireInetDev, plan.wireNs));
    else veths.push(link('wan', s.routerNs, s.inetDev, plan.inetNs));
  }
  await Promise.all([mustRun(['ip', '-batch', '-'], 'create veth links', { input: veths.join('') }), delayed ? buildDelayLine() : undefined]);

  const scripts: Array<[string, string]> = [
    [plan.inetNs, internetScript(plan)],
    [a.hostNs, hostScript(a, plan.options.ipv6)],
    [b.hostNs, hostScript(b, plan.options.ipv6)],
    ...(delayed ? [[plan.wireNs, wireScript(plan)] as [string, string]] : []),
  ];
  for (const s of [a, b]) {
    const nftFile = join(work, `${s.routerNs}.nft`);
    writeFileSync(nftFile, routerRuleset(s.kind, plan.options.loss) + (plan.options.ipv6 ? routerRuleset(s.kind, plan.options.loss, 'ip6') : ''));
    scripts.push([s.routerNs, routerScript(plan, s, nftFile)]);
  }
  const delayLines = (): Promise<number[]> =>
    Promise.all(
      [a, b].map((s) =>
        startDelayLine({
          ns: plan.wireNs,
          dev1: s.wireRouterDev,
          dev2: s.wireInetDev,
          delayMs: plan.options.delayMs,
          tag: delayTag(plan.prefix, s.side),
          logFile: join(work, `delayline-${s.side}.log`),
        }),
      ),
    );
  const [pids] = await Promise.all([
    delayed ? delayLines() : Promise.resolve([]),
    ...scripts.map(([ns, script]) => mustRun(['ip', 'netns', 'exec', ns, 'sh', '-ec', script], `configure ${ns}`)),
  ]);
  if (!plan.options.turn) return { pids };
  const { turn, pid } = await startLabTurn(plan, work);
  return { pids: [...pids, pid], turn };
}

/** Removes every trace of a lab with this prefix: processes, namespaces, state. Safe to repeat. */
export async function teardownLab(prefix: string): Promise<void> {
  const pids = (readState(prefix)?.pids ?? []).filter((pid) => isDelayLineOf(pid, delayTag(prefix)));
  await destroyNamespaces(namespacesFor(prefix), pids);
  removeState(prefix);
}
