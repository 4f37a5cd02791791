/** The plugin's options: contributes.configuration in package.json is their schema and the only source of defaults. */
export interface VoicePluginOptions {
  codecs: string[];
  vad: boolean;
  comfortNoiseIntervalMs: number;
  minDelayMs: number;
  floorDelayMs: number;
  maxDelayMs: number;
}
/** Plugin-private token for the validated options. */
export const VoicePluginOptions = Symbol('VoicePluginOptions');
