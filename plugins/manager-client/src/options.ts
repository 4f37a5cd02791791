/** The plugin's options as validated against contributes.configuration (defaults filled in by the host). */
export interface ClientOptions {
  connectTimeoutMs: number;
  callTimeoutMs: number;
  stunTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  sessionKeepaliveMs: number;
  classifyNat: boolean;
}

export const DEFAULT_CLIENT_OPTIONS: ClientOptions = {
  connectTimeoutMs: 5000,
  callTimeoutMs: 15000,
  stunTimeoutMs: 2000,
  reconnectMinMs: 250,
  reconnectMaxMs: 10000,
  sessionKeepaliveMs: 15000,
  classifyNat: true,
};

/** Bound by activate() so the factory (bound by the container module) sees this host's options. */
export const ClientOptions = Symbol('ManagerClientOptions');
