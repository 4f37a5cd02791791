/** payload-video plugin options: contributes.configuration in package.json is their only source of defaults. */
export interface VideoPluginOptions {
  codecs: string[];
  startBitrate: number;
  minBitrate: number;
  maxBitrate: number;
  /** Below this encoder bitrate the frame rate is halved. */
  lowRateBitrate: number;
  pacingFactor: number;
  minDelayMs: number;
  maxDelayMs: number;
  nackWindowMs: number;
  maxFrameBytes: number;
  maxBufferBytes: number;
  reportIntervalMs: number;
}
export const VideoPluginOptions = Symbol('VideoPluginOptions');
