import type { Disposable } from '../disposable';
/** The external manager as a service, so an app (the demo, tests) can embed one by identifier. */
export interface ManagerAddress {
  tcp: { host: string; port: number };
  udp: { host: string; port: number };
  /** The RFC 5780 alternate STUN address (other port, maybe other address), when the manager has one. */
  stunAlternate?: { host: string; port: number };
  /** Present when the control port speaks TLS: the certificate's pin (spkiPinText) and whether it is self-signed. */
  tls?: { pin: string; selfSigned: boolean };
  /** The directory backend in use (the `directory` option), when the manager opened it by name. */
  directory?: string;
  /** The bearer token of the dashboard, /metrics and /api/status; `generated` when made at start (so it must be shown once). */
  admin?: { token: string; generated: boolean };
}

/** A registered peer as the operator sees it (dashboard, `pinhole status`). */
export interface ManagerPeerView {
  id: string;
  fingerprint: string;
  transport: 'tcp' | 'ws';
  /** Where its control connection comes from (HOST:PORT, IPv6 in brackets). */
  remote: string;
  /** Its reflexive address as the manager's STUN responder saw it. */
  reflexive?: string;
  candidates: string[];
  accepts: 'any' | 'list' | 'none';
  payloadTypes: string[];
  registeredAt: number;
  /** Calls it is in right now (on this node). */
  calls: number;
}

/** A call set up through this manager node (held by the caller's node). */
export interface ManagerCallView {
  callId: string;
  caller: string;
  callee: string;
  state: 'opening' | 'active';
  startedAt: number;
  /** CallRequest to Ready, as the manager saw it. */
  managerSetupMs?: number;
  /** What the caller reported once its direct path was up (CallReport): the path, the strategy that found it, its whole setup time. */
  path?: string;
  strategy?: string;
  setupMs?: number;
  encrypted?: boolean;
}

/** Everything the dashboard and `pinhole status` show, at one instant. */
export interface ManagerSnapshot {
  node: string;
  at: number;
  startedAt: number;
  directory?: string;
  /** Whether this node reaches its directory now, and its outages so far (a Redis restart …). */
  directoryHealth: { up: boolean; outages: number; failedOps: number };
  peers: ManagerPeerView[];
  calls: ManagerCallView[];
  /** Call setup times (the caller's report, else the manager's own), cumulative buckets as Prometheus counts them. */
  setup: { bucketsMs: number[]; counts: number[]; count: number; sumMs: number };
  counters: {
    connections: number;
    registrations: number;
    callRequests: number;
    callsEstablished: number;
    stunRequests: number;
    stunProbes: number;
    stunDropped: number;
    /** Refused calls and registrations, by error code (E_PEER_UNAVAILABLE, E_RATE_LIMITED, E_ID_TAKEN …). */
    refusals: Record<string, number>;
  };
}

export interface ManagerServer {
  address(): ManagerAddress;
  stats(): Record<string, number>;
  /** Peers, calls, setup times and counters now (what the dashboard shows). */
  snapshot(): ManagerSnapshot;
  /** Called on every change of the snapshot (registrations, calls, refusals …); coalesce before rendering. */
  onChange(listener: () => void): Disposable;
  close(): Promise<void>;
}

export interface ManagerServerOptions {
  host?: string;
  /** TCP + WebSocket port; 0 picks a free one. */
  port?: number;
  udpHost?: string;
  /** STUN port; 0 picks a free one. */
  udpPort?: number;
  /** Bearer token for the dashboard, /metrics and /api/status; default a random one (address().admin). */
  adminToken?: string;
  [option: string]: unknown;
}

export interface ManagerServerFactory {
  start(opts?: ManagerServerOptions): Promise<ManagerServer>;
}
export const ManagerServerFactory = Symbol('ManagerServerFactory');
