/** The plugin's options: contributes.configuration in package.json is their schema and the only source of defaults. */
export interface NullUdpOptions {
  ttl: number;
  sendNullPacket: boolean;
  repeats: number;
  spreadMs: number;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  maxTargets: number;
}
/** Plugin-private token for the validated options. */
export const NullUdpOptions = Symbol('NullUdpOptions');

/** The strategy's name: `contributes.punchStrategies[0].name`. */
export const STRATEGY = 'null-udp';
