/** The external manager as a service, so an app (the demo, tests) can embed one by identifier. */
export interface ManagerAddress {
  tcp: { host: string; port: number };
  udp: { host: string; port: number };
  /** Present when the control port speaks TLS: the certificate's pin (spkiPinText) and whether it is self-signed. */
  tls?: { pin: string; selfSigned: boolean };
}

export interface ManagerServer {
  address(): ManagerAddress;
  stats(): Record<string, number>;
  close(): Promise<void>;
}

export interface ManagerServerOptions {
  host?: string;
  /** TCP + WebSocket port; 0 picks a free one. */
  port?: number;
  udpHost?: string;
  /** STUN port; 0 picks a free one. */
  udpPort?: number;
  [option: string]: unknown;
}

export interface ManagerServerFactory {
  start(opts?: ManagerServerOptions): Promise<ManagerServer>;
}
export const ManagerServerFactory = Symbol('ManagerServerFactory');
