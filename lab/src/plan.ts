/**
 * The lab's topology as data: namespace names, interface names and addresses.
 * Pure, so it can be computed again from persisted options by another process.
 *
 *   ha 10.0.1.2 ── lan|ra|wan 198.51.100.1 ──┐                        ┌── 198.51.100.2 wan|rb|lan ── hb 10.0.2.2
 *                                           └─ inet (manager) 198.51.100.254 ─┘
 *
 * Routers' default route points at the internet namespace, which forwards between
 * them, so host→host crosses ra, inet and rb (three forwarding hops).
 *
 * With a delay, each WAN link is cut in two and the halves meet in the wire namespace, where a
 * delay line joins them (`wan` ── ra-wan [wire] ra-inet ── ra on br0); addressing is the same.
 */
import { LabError } from '@pinhole/core';
import { LabNodes, LabOptions, SITE_KINDS, SiteKind } from './types';

export const DEFAULT_PREFIX = 'ph';
export const MANAGER_ADDRESS = '198.51.100.254';
/** A second address of the internet namespace, for the manager's RFC 5780 alternate STUN address. */
export const MANAGER_ALT_ADDRESS = '198.51.100.252';
/** The TURN server's address (with `turn`). */
export const TURN_ADDRESS = '198.51.100.253';
export const WAN_PREFIX_LEN = 24;
/** IPv6 (with `ipv6`): the internet is 2001:db8:100::/64, site n's LAN 2001:db8:n::/64. */
export const MANAGER_ADDRESS6 = '2001:db8:100::fe';
export const MANAGER_ALT_ADDRESS6 = '2001:db8:100::fc';
export const TURN_ADDRESS6 = '2001:db8:100::fd';

export interface SitePlan {
  side: 'a' | 'b';
  kind: SiteKind;
  routerNs: string;
  hostNs: string;
  /** Router WAN (public) address. */
  wan: string;
  lanNet: string;
  routerLan: string;
  host: string;
  /** Name of this site's link inside the internet namespace. */
  inetDev: string;
  /** IPv6 (with `ipv6`): router WAN, LAN prefix, router LAN and host addresses. */
  wan6: string;
  lanNet6: string;
  routerLan6: string;
  host6: string;
  /** With a delay: the wire namespace's ends of the router half and the internet half of the WAN link. */
  wireRouterDev: string;
  wireInetDev: string;
}

export interface LabPlan {
  prefix: string;
  options: Required<LabOptions>;
  inetNs: string;
  /** Holds the delay lines (present only with a delay). */
  wireNs: string;
  sites: { a: SitePlan; b: SitePlan };
  nodes: LabNodes;
  /** The namespaces this lab has, internet first. */
  namespaces: string[];
}

const PREFIX_RE = /^[a-z][a-z0-9-]{0,11}$/;

/** Validates options and fills defaults; throws LabError E_LAB_OPTIONS naming the bad field. */
export function normalizeOptions(opts: LabOptions): Required<LabOptions> {
  const bad = (field: string, why: string): never => {
    throw new LabError('E_LAB_OPTIONS', `Invalid lab option ${field}: ${why}`, { field });
  };
  for (const side of ['a', 'b'] as const) {
    if (!SITE_KINDS.includes(opts[side])) bad(side, `got ${JSON.stringify(opts[side])}, expected one of ${SITE_KINDS.join(', ')}`);
  }
  const loss = opts.loss ?? 0;
  if (!Number.isInteger(loss) || loss < 0 || loss > 1000) bad('loss', `got ${loss}, expected an integer per mille 0..1000`);
  const rateMbit = opts.rateMbit ?? 0;
  if (!Number.isFinite(rateMbit) || rateMbit < 0 || rateMbit > 10000) bad('rateMbit', `got ${rateMbit}, expected Mbit/s in 0..10000 (0 = unlimited)`);
  const delayMs = opts.delayMs ?? 0;
  if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > 10000) bad('delayMs', `got ${delayMs}, expected ms in 0..10000`);
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  checkPrefix(prefix);
  const ipv6 = opts.ipv6 ?? false;
  // The TUN delay line carries IPv4 only today (it is being replaced); say so rather than half-work.
  if (ipv6 && delayMs > 0) bad('ipv6', 'IPv6 with --delay is not supported yet (the delay line is IPv4-only)');
  return { a: opts.a, b: opts.b, loss, rateMbit, delayMs, prefix, ipv6, turn: opts.turn ?? false };
}

export function checkPrefix(prefix: string): void {
  if (!PREFIX_RE.test(prefix)) {
    throw new LabError('E_LAB_OPTIONS', `Invalid lab prefix ${JSON.stringify(prefix)}: use 1-12 chars of a-z, 0-9, '-', starting with a letter`, { field: 'prefix' });
  }
}

/** Every namespace name a lab with this prefix can own (used to find leftovers). */
export function namespacesFor(prefix: string): string[] {
  return ['inet', 'ra', 'ha', 'rb', 'hb', 'wire'].map((s) => `${prefix}-${s}`);
}

export function planLab(opts: LabOptions): LabPlan {
  const options = normalizeOptions(opts);
  const { prefix } = options;
  const site = (side: 'a' | 'b', n: number): SitePlan => ({
    side,
    kind: options[side],
    routerNs: `${prefix}-r${side}`,
    hostNs: `${prefix}-h${side}`,
    wan: `198.51.100.${n}`,
    lanNet: `10.0.${n}.0/24`,
    routerLan: `10.0.${n}.1`,
    host: `10.0.${n}.2`,
    inetDev: `r${side}`,
    wan6: `2001:db8:100::${n}`,
    lanNet6: `2001:db8:${n}::/64`,
    routerLan6: `2001:db8:${n}::1`,
    host6: `2001:db8:${n}::2`,
    wireRouterDev: `r${side}-wan`,
    wireInetDev: `r${side}-inet`,
  });
  const a = site('a', 1);
  const b = site('b', 2);
  const inetNs = `${prefix}-inet`;
  const wireNs = `${prefix}-wire`;
  return {
    prefix,
    options,
    inetNs,
    wireNs,
    sites: { a, b },
    nodes: {
      a: { ns: a.hostNs, address: a.host, ...v6(options.ipv6, a.host6) },
      b: { ns: b.hostNs, address: b.host, ...v6(options.ipv6, b.host6) },
      manager: { ns: inetNs, address: MANAGER_ADDRESS, ...v6(options.ipv6, MANAGER_ADDRESS6) },
      ra: { ns: a.routerNs, address: a.wan, ...v6(options.ipv6, a.wan6) },
      rb: { ns: b.routerNs, address: b.wan, ...v6(options.ipv6, b.wan6) },
    },
    namespaces: namespacesFor(prefix).filter((ns) => ns !== wireNs || options.delayMs > 0),
  };
}

const v6 = (on: boolean, address6: string) => (on ? { address6 } : {});
