/** Options as validated against contributes.configuration (the manifest holds every default). */
export interface RelayTurnOptions {
  lifetimeSeconds: number;
  refreshMarginSeconds: number;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  maxMessageBytes: number;
  nonceRetries: number;
  channels: boolean;
}
export const RelayTurnOptions = Symbol('RelayTurnOptions');
