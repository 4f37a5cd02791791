/** payload-voice plugin options (contributes.configuration in package.json). */
export interface VoicePluginOptions {
  codecs: string[];
  vad: boolean;
  comfortNoiseIntervalMs: number;
  minDelayMs: number;
  floorDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_VOICE_OPTIONS: VoicePluginOptions = {
  codecs: ['opus', 'pcmu', 'pcma'],
  vad: true,
  comfortNoiseIntervalMs: 400,
  minDelayMs: 2,
  floorDelayMs: 25,
  maxDelayMs: 500,
};
