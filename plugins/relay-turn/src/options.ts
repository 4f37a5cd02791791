/** Options as validated against contributes.configuration (the manifest holds every default). */
export interface RelayTurnOptions {
  lifetimeSeconds: number;
  refreshMarginSeconds: number;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  maxMessageBytes: number;
  nonceRetries: number;
  channels: boolean;
  attemptTimeoutMs: number;
  prepareTimeoutMs: number;
  relayDirectMs: number;
  probeIntervalMs: number;
  timeoutMs: number;
}

/** The strategy's name: `contributes.punchStrategies[0].name`. */
export const STRATEGY = 'relay-turn';
export const RelayTurnOptions = Symbol('RelayTurnOptions');
