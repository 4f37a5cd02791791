/** Options as validated against contributes.configuration (defaults filled in by the host). */
export interface NullUdpOptions {
  ttl: number;
  sendNullPacket: boolean;
  repeats: number;
  spreadMs: number;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  stage: number;
  maxTargets: number;
}

export const DEFAULT_OPTIONS: NullUdpOptions = {
  ttl: 3,
  sendNullPacket: true,
  repeats: 5,
  spreadMs: 1000,
  probeIntervalMs: 100,
  probeTimeoutMs: 5000,
  stage: 0,
  maxTargets: 3,
};
