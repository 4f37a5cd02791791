/** Public types of the network lab. */

/**
 * What a site's router does to traffic between its LAN and the internet.
 * - open: forwards everything, no NAT; the internet routes to the LAN.
 * - filter: stateful firewall (new inbound dropped), no NAT; the internet routes to the LAN.
 * - nat: stateful firewall + port-preserving masquerade; the LAN is unreachable from the internet.
 * - hardnat: stateful firewall + masquerade with randomised ports.
 */
export type SiteKind = 'open' | 'filter' | 'nat' | 'hardnat';

export const SITE_KINDS: readonly SiteKind[] = ['open', 'filter', 'nat', 'hardnat'];

export interface LabOptions {
  a: SiteKind;
  b: SiteKind;
  /** Random loss per mille, applied on each router's forward path (both directions). */
  loss?: number;
  /** Token-bucket rate limit in Mbit/s on each router's WAN and LAN egress. */
  rateMbit?: number;
  /** One-way delay in ms added on each site's WAN link (userspace TUN delay line). */
  delayMs?: number;
  /** Namespace name prefix; labs with different prefixes can run side by side. Default `ph`. */
  prefix?: string;
}

export interface LabNodeInfo {
  /** Network namespace name (`ip netns exec <ns> …`). */
  ns: string;
  /** The node's address: LAN address for hosts, WAN (public) address for routers and the manager. */
  address: string;
}

export type LabNodeName = 'a' | 'b' | 'manager' | 'ra' | 'rb';
export type LabRouterName = 'ra' | 'rb';
export type LabNodes = Record<LabNodeName, LabNodeInfo>;

export interface LabStatus {
  up: boolean;
  options?: LabOptions;
  nodes?: LabNodes;
  /** Helper processes the lab owns (delay lines). */
  pids?: number[];
  /** Why `up` is false although some state exists (missing namespace, dead delay line…). */
  problems?: string[];
}
