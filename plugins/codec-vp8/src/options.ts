/** codec-vp8 options: contributes.configuration in package.json is their only source of defaults. */
export interface Vp8Options {
  ffmpeg: string;
  cpuUsed: number;
  threads: number;
  maxIntraRate: number;
  rateChangeThreshold: number;
  rateChangeIntervalMs: number;
  frameTimeoutMs: number;
}
export const Vp8Options = Symbol('Vp8Options');
