import { createHooks, createLogger, type Directory, type Hooks, type Logger, type NatClass } from '@pinhole/core';

export interface ManagerLimits {
  /** Concurrent connections from one IP address. */
  maxConnectionsPerAddress: number;
  /** Token-bucket rate per connection; the burst is twice this. */
  messagesPerSecondPerConnection: number;
  /** The first complete message must arrive within this after accept (slow-loris guard). */
  helloTimeoutMs: number;
  /** A connection that sends nothing for this long is closed. */
  idleTimeoutMs: number;
}

/** A TURN server the manager advertises for every call (coturn use-auth-secret REST credentials, minted per call). */
export interface TurnServerOption {
  uri: string;
  /** The server's static-auth-secret. */
  secret: string;
  /** PEM file of the CA a turns: server's certificate chains to. */
  ca?: string;
}

/** The plugin's options: contributes.configuration in package.json is their schema and the only source of defaults. */
export interface ManagerOptions {
  host: string;
  /** TCP + WebSocket port; 0 picks a free one. */
  port: number;
  /** Address of the STUN responder; absent means the same as `host` (--listen 127.0.0.1:… keeps STUN on loopback too). */
  udpHost?: string;
  /** STUN port; 0 picks a free one. */
  udpPort: number;
  /**
   * Second STUN port for NAT classification (RFC 5780): 0 = the STUN port + 1 (a free port when the
   * STUN port is 0), -1 = none.
   */
  stunAltPort: number;
  /** A second address of this host for RFC 5780 change-address tests; unset: ports only. */
  stunAltHost?: string;
  keepaliveMs: number;
  expiryMs: number;
  callTimeoutMs: number;
  maxCallsPerPeer: number;
  /** CallRequests per second per caller (burst twice this). */
  callsPerSecondPerPeer: number;
  maxFrameBytes: number;
  turn: TurnServerOption[];
  turnCredentialTtlSeconds: number;
  /** The directory backend (a plugin contributing directoryBackends) and what its create() gets. */
  directory: string;
  directoryOptions: Record<string, unknown>;
  limits: ManagerLimits;
}
/** Plugin-private token for the validated options. */
export const ManagerOptions = Symbol('ManagerOptions');

/**
 * What startManager takes: every option (the plugin's validated options, or in tests the
 * manifest's defaults with overrides) and the parts it runs with.
 */
export interface StartManagerOptions extends Omit<ManagerOptions, 'directory' | 'directoryOptions'> {
  /**
   * The operator's PEM certificate and key (a CA-issued pair: the production setup). Without
   * it the manager serves TLS with its own self-signed certificate, which peers pin.
   */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Where the self-signed certificate is kept so its pin survives restarts; absent: made in memory for this process. */
  selfSignedDir?: string;
  /** Plain TCP/WebSocket, no TLS: for debugging only (logged loudly). */
  insecure?: boolean;
  directory: Directory;
  /** The backend's name, for manager.ready and logs. */
  directoryName?: string;
  hooks?: Hooks;
  log?: Logger;
  /** This node's id for cross-node routing; random by default. */
  nodeId?: string;
  /**
   * The punch strategies to name for a pair of NATs, in order (the factory derives them from the
   * installed manifests' punchStrategies). Absent: none are named, and peers use their own order.
   */
  punchStrategies?: (cls: NatClass) => string[];
  /** Bearer token of the dashboard, /metrics and /api/status; random (and reported as generated) by default. */
  adminToken?: string;
}

export interface ResolvedOptions extends Required<Omit<StartManagerOptions, 'tls' | 'nodeId' | 'selfSignedDir' | 'stunAltPort' | 'stunAltHost' | 'punchStrategies' | 'adminToken'>> {
  punchStrategies?: StartManagerOptions['punchStrategies'];
  adminToken?: string;
  tls?: StartManagerOptions['tls'];
  selfSignedDir?: string;
  /** The resolved alternate STUN port (0: any free one); undefined: no alternate. */
  stunAltPort?: number;
  stunAltHost?: string;
  /** How often expired peers are swept from the directory. */
  sweepMs: number;
}

/** Derives what the options leave open: STUN on the control address unless told otherwise; a quiet log; fresh hooks. */
export function resolveOptions(o: StartManagerOptions): ResolvedOptions {
  return {
    ...o,
    udpHost: o.udpHost ?? o.host,
    stunAltPort: alternatePort(o.stunAltPort, o.udpPort),
    directoryName: o.directoryName ?? 'given',
    insecure: o.insecure ?? false,
    hooks: o.hooks ?? createHooks(),
    log: o.log ?? createLogger({ level: 'silent', events: false }),
    // A quarter of the expiry keeps the overshoot small without sweeping a big table too often.
    sweepMs: Math.max(10, Math.min(1000, Math.floor(o.expiryMs / 4))),
  };
}

/** -1: none; 0: next to the STUN port (any free one if that is 0 or the last port); else as given. */
function alternatePort(alt: number, udpPort: number): number | undefined {
  if (alt < 0) return undefined;
  if (alt > 0) return alt;
  return udpPort > 0 && udpPort < 65535 ? udpPort + 1 : 0;
}
