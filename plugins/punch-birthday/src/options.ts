/** Options as validated against contributes.configuration (the manifest holds every default). */
export interface BirthdayOptions {
  sockets: number;
  probes: number;
  probesPerSecond: number;
  portMin: number;
  portMax: number;
  punchTtl: number;
  punchRepeats: number;
  punchIntervalMs: number;
  probeIntervalMs: number;
  timeoutMs: number;
  onlyWhenHard: boolean;
}
export const BirthdayOptions = Symbol('BirthdayOptions');

/** The strategy's name: `contributes.punchStrategies[0].name`. */
export const STRATEGY = 'birthday';
