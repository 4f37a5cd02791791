import { createHooks, createLogger, type Directory, type Hooks, type Logger } from '@pinhole/core';

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

/** The plugin's options: contributes.configuration in package.json is their schema and the only source of defaults. */
export interface ManagerOptions {
  host: string;
  /** TCP + WebSocket port; 0 picks a free one. */
  port: number;
  /** Address of the STUN responder; absent means the same as `host` (--listen 127.0.0.1:… keeps STUN on loopback too). */
  udpHost?: string;
  /** STUN port; 0 picks a free one. */
  udpPort: number;
  keepaliveMs: number;
  expiryMs: number;
  callTimeoutMs: number;
  maxCallsPerPeer: number;
  /** CallRequests per second per caller (burst twice this). */
  callsPerSecondPerPeer: number;
  maxFrameBytes: number;
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
}

export interface ResolvedOptions extends Required<Omit<StartManagerOptions, 'tls' | 'nodeId' | 'selfSignedDir'>> {
  tls?: StartManagerOptions['tls'];
  selfSignedDir?: string;
  /** How often expired peers are swept from the directory. */
  sweepMs: number;
}

/** Derives what the options leave open: STUN on the control address unless told otherwise; a quiet log; fresh hooks. */
export function resolveOptions(o: StartManagerOptions): ResolvedOptions {
  return {
    ...o,
    udpHost: o.udpHost ?? o.host,
    directoryName: o.directoryName ?? 'given',
    insecure: o.insecure ?? false,
    hooks: o.hooks ?? createHooks(),
    log: o.log ?? createLogger({ level: 'silent', events: false }),
    // A quarter of the expiry keeps the overshoot small without sweeping a big table too often.
    sweepMs: Math.max(10, Math.min(1000, Math.floor(o.expiryMs / 4))),
  };
}
