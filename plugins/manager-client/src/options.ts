/** The plugin's options: contributes.configuration in package.json is their schema and the only source of defaults. */
export interface ClientOptions {
  /** Used when a client is created without a manager (peer/call without --manager). */
  managers: string[];
  connectTimeoutMs: number;
  callTimeoutMs: number;
  stunTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  sessionKeepaliveMs: number;
  callsPerMinutePerCaller: number;
}
/** Plugin-private token for the validated options. */
export const ClientOptions = Symbol('ManagerClientOptions');
