/** The plugin's options as validated against contributes.configuration (defaults filled in by the host). */
export interface ClientOptions {
  /** Used when a client is created without a manager (peer/call without --manager). */
  managers: string[];
  connectTimeoutMs: number;
  callTimeoutMs: number;
  stunTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  sessionKeepaliveMs: number;
}

export const DEFAULT_CLIENT_OPTIONS: ClientOptions = {
  managers: [],
  connectTimeoutMs: 5000,
  callTimeoutMs: 15000,
  stunTimeoutMs: 2000,
  reconnectMinMs: 250,
  reconnectMaxMs: 10000,
  sessionKeepaliveMs: 15000,
};

/** Bound by activate() so the factory (bound by the container module) sees this host's options. */
export const ClientOptions = Symbol('ManagerClientOptions');
