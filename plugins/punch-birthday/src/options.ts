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
  stage: number;
}
export const BirthdayOptions = Symbol('BirthdayOptions');
