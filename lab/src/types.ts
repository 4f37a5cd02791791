/** Public types of the network lab. */

/**
 * What a site's router does to traffic between its LAN and the internet.
 * - open: forwards everything, no NAT; the internet routes to the LAN.
 * - filter: stateful firewall (new inbound dropped), no NAT; the internet routes to the LAN.
 * - nat: stateful firewall + port-preserving masquerade; the LAN is unreachable from the internet.
 * - hardnat: stateful firewall + masquerade with randomised ports.
 * - noudp: as nat, and every UDP packet is dropped both ways (networks where only TCP/TLS gets out).
 * With IPv6 on, no kind NATs IPv6: every LAN is routed and only the firewall filters (spec Figure 5).
 */
export type SiteKind = 'open' | 'filter' | 'nat' | 'hardnat' | 'noudp';

export const SITE_KINDS: readonly SiteKind[] = ['open', 'filter', 'nat', 'hardnat', 'noudp'];
/** The kinds `lab matrix` pairs: the four ways a site meets UDP punching. */
export const MATRIX_KINDS: readonly SiteKind[] = ['open', 'filter', 'nat', 'hardnat'];

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
  /** IPv6 on every link besides IPv4 (documentation prefix 2001:db8::/32). */
  ipv6?: boolean;
  /** A coturn TURN server in the internet namespace (UDP/TCP 3478, TLS 5349), REST-credential secret in the state. */
  turn?: boolean;
}

/** The lab's TURN server, when started with `turn`. */
export interface LabTurn {
  address: string;
  address6?: string;
  /** UDP and TCP. */
  port: number;
  tlsPort: number;
  /** coturn's static-auth-secret (use-auth-secret REST credentials). */
  secret: string;
  realm: string;
  /** PEM certificate of the TLS listener (IP SANs of the TURN addresses), to trust in clients. */
  certFile: string;
}

export interface LabNodeInfo {
  /** Network namespace name (`ip netns exec <ns> …`). */
  ns: string;
  /** The node's address: LAN address for hosts, WAN (public) address for routers and the manager. */
  address: string;
  /** Its IPv6 address, when the lab has IPv6. */
  address6?: string;
}

export type LabNodeName = 'a' | 'b' | 'manager' | 'ra' | 'rb';
export type LabRouterName = 'ra' | 'rb';
export type LabNodes = Record<LabNodeName, LabNodeInfo>;

export interface LabStatus {
  up: boolean;
  options?: LabOptions;
  nodes?: LabNodes;
  /** Helper processes the lab owns (delay lines, coturn). */
  pids?: number[];
  turn?: LabTurn;
  /** Why `up` is false although some state exists (missing namespace, dead delay line…). */
  problems?: string[];
}
