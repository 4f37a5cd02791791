/**
 * Per-namespace setup as small `sh -e` scripts, run inside the namespace with
 * `ip netns exec NS sh -ec SCRIPT`. One process per namespace, all in parallel,
 * keeps `up` fast; `set -e` plus the script's stderr makes failures precise.
 */
import { LabPlan, MANAGER_ADDRESS, MANAGER_ADDRESS6, MANAGER_ALT_ADDRESS, MANAGER_ALT_ADDRESS6, SitePlan, TURN_ADDRESS, TURN_ADDRESS6, WAN_PREFIX_LEN } from './plan';

const common = (ipv6: boolean) => [
  'set -e',
  // IPv6 autoconf chatter would cross delay lines and loss rules: off, or (with ipv6) static addresses only.
  ...(ipv6
    ? [
        'echo 0 > /proc/sys/net/ipv6/conf/all/accept_ra',
        'echo 0 > /proc/sys/net/ipv6/conf/default/accept_ra',
        'echo 0 > /proc/sys/net/ipv6/conf/default/autoconf',
        // No duplicate address detection on any device (the link-local addresses made at link-up
        // included): they stayed tentative ~1.5–2 s after `up`, and a call that early lost its
        // IPv6 head start now and then (measured: 1 in 10).
        'for f in /proc/sys/net/ipv6/conf/*/accept_dad; do echo 0 > "$f"; done',
      ]
    : ['echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6', 'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6']),
  'ip link set lo up',
];
/** Static IPv6 address without duplicate address detection (it would hold the address back ~1 s). */
const addr6 = (cidr: string, dev: string) => `ip -6 addr add ${cidr} dev ${dev} nodad`;

const sysctl = (key: string, value: number | string): string => `echo ${value} > /proc/sys/net/${key.replace(/\./g, '/')}`;

/**
 * Every packet is a wire packet (≤ MTU) on every link: a device that takes one segment per
 * packet makes TCP build one skb per segment and the stack cut any UDP GSO batch before the
 * device (veths do no GRO unless asked). So the loss rule draws once per wire packet for TCP as
 * for UDP (a TSO/GSO super-packet would be dropped or kept whole), and the delay line never sees
 * one. Set when the device is created (no extra process); checksum offload stays on.
 */
export const WIRE_PACKETS_ONLY = 'gso_max_segs 1';

/**
 * Socket buffers up to 64 MiB, so a TCP window is not what caps a transfer across a long lab
 * path (the default 4 MiB send buffer limits TCP to ~330 Mbit/s at 100 ms RTT).
 */
const bigSocketBuffers = [sysctl('ipv4.tcp_rmem', "'4096 131072 67108864'"), sysctl('ipv4.tcp_wmem', "'4096 16384 67108864'")];

export function hostScript(site: SitePlan, ipv6 = false): string {
  return [
    ...common(ipv6),
    ...bigSocketBuffers,
    `ip addr add ${site.host}/24 dev eth0`,
    ...(ipv6 ? [addr6(`${site.host6}/64`, 'eth0')] : []),
    'ip link set eth0 up',
    `ip route add default via ${site.routerLan}`,
    ...(ipv6 ? [`ip -6 route add default via ${site.routerLan6}`] : []),
    waitUp(['eth0']),
  ].join('\n');
}

export function routerScript(plan: LabPlan, site: SitePlan, nftFile: string): string {
  const { rateMbit } = plan.options;
  const { ipv6 } = plan.options;
  return [
    ...common(ipv6),
    sysctl('ipv4.ip_forward', 1),
    // Redirects from the internet namespace would make routers talk directly and change hop counts.
    sysctl('ipv4.conf.all.accept_redirects', 0),
    `ip addr add ${site.routerLan}/24 dev lan`,
    'ip link set lan up',
    `ip addr add ${site.wan}/${WAN_PREFIX_LEN} dev wan`,
    'ip link set wan up',
    `ip route add default via ${MANAGER_ADDRESS}`,
    ...(ipv6
      ? [sysctl('ipv6.conf.all.forwarding', 1), sysctl('ipv6.conf.all.accept_redirects', 0), addr6(`${site.routerLan6}/64`, 'lan'), addr6(`${site.wan6}/64`, 'wan'), `ip -6 route add default via ${MANAGER_ADDRESS6}`]
      : []),
    `nft -f ${nftFile}`,
    ...(rateMbit > 0 ? ['wan', 'lan'].map((dev) => tbf(dev, rateMbit)) : []),
    waitUp(['lan', 'wan']),
  ].join('\n');
}

/** The wire namespace: the delayed WAN links' middle ends, up and without addresses. */
export function wireScript(plan: LabPlan): string {
  const devs = [plan.sites.a, plan.sites.b].flatMap((s) => [s.wireRouterDev, s.wireInetDev]);
  return [...common(false), ...devs.map((d) => `ip link set ${d} up`), waitUp(devs)].join('\n');
}

export function internetScript(plan: LabPlan): string {
  const sites = [plan.sites.a, plan.sites.b];
  const links = sites.flatMap((s) => [`ip link set ${s.inetDev} master br0`, `ip link set ${s.inetDev} up`]);
  // Only un-NATed sites are routable from the internet, as on the real internet.
  const routes = sites.filter((s) => s.kind === 'open' || s.kind === 'filter').map((s) => `ip route add ${s.lanNet} via ${s.wan}`);
  const { ipv6, turn } = plan.options;
  // Every LAN is routed over IPv6: no NAT there, only the sites' firewalls.
  const v6 = ipv6
    ? [
        sysctl('ipv6.conf.all.forwarding', 1),
        addr6(`${MANAGER_ADDRESS6}/64`, 'br0'),
        // Deprecated (preferred_lft 0): usable by sockets bound to them, never picked as a source address.
        ...[MANAGER_ALT_ADDRESS6, ...(turn ? [TURN_ADDRESS6] : [])].map((a) => `${addr6(`${a}/64`, 'br0')} preferred_lft 0`),
        ...sites.map((s) => `ip -6 route add ${s.lanNet6} via ${s.wan6}`),
      ]
    : [];
  return [
    ...common(ipv6),
    sysctl('ipv4.ip_forward', 1),
    sysctl('ipv4.conf.all.send_redirects', 0),
    sysctl('ipv4.conf.default.send_redirects', 0),
    ...bigSocketBuffers,
    `ip link add br0 ${WIRE_PACKETS_ONLY} type bridge`,
    sysctl('ipv4.conf.br0.send_redirects', 0),
    `ip addr add ${MANAGER_ADDRESS}/${WAN_PREFIX_LEN} dev br0`,
    // The manager's second STUN address (RFC 5780) and the TURN server's address.
    `ip addr add ${MANAGER_ALT_ADDRESS}/${WAN_PREFIX_LEN} dev br0`,
    ...(turn ? [`ip addr add ${TURN_ADDRESS}/${WAN_PREFIX_LEN} dev br0`] : []),
    'ip link set br0 up',
    ...links,
    ...routes,
    ...v6,
    waitUp([...sites.map((s) => s.inetDev), 'br0']),
  ].join('\n');
}

/**
 * Waits (≤ 3 s) until the veths report carrier: the peer end is configured by another script
 * running in parallel, and a packet sent before carrier-on is silently dropped.
 */
function waitUp(devs: string[]): string {
  return `for d in ${devs.join(' ')}; do n=0; until [ "$(cat /sys/class/net/$d/operstate)" = up ]; do n=$((n+1)); [ $n -le 300 ] || { echo "link $d has no carrier after 3 s" >&2; exit 1; }; sleep 0.01; done; done`;
}

/** Token bucket: burst of 10 ms worth of traffic (at least a few MTUs), queue up to 50 ms. */
function tbf(dev: string, rateMbit: number): string {
  const kbit = Math.max(1, Math.round(rateMbit * 1000));
  const burst = Math.max(4096, Math.ceil((kbit * 1000) / 8 / 100));
  return `tc qdisc add dev ${dev} root tbf rate ${kbit}kbit burst ${burst} latency 50ms`;
}
