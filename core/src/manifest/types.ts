/** A plugin's package.json as the host reads it (VS Code style manifest). */
export interface PluginManifest {
  name: string;
  version: string;
  main: string;
  description?: string;
  engines: { pinhole: string };
  activationEvents?: string[];
  pinhole?: { dependencies?: string[]; kind?: string };
  contributes?: Record<string, unknown>;
}

/** Something wrong with one plugin, with the JSON path of the fault in its manifest. */
export interface Problem {
  code: string;
  path: string;
  message: string;
}

/** `contributes.codecs[]`: a codec the plugin binds as a Codec of that name (implies `onCodec:<name>`). */
export interface CodecEntry {
  name: string;
  payloadType: 'voice' | 'video';
  title?: string;
  clockRate?: number;
  channels?: number;
  frameMs?: number;
}
/** `contributes.payloadTypes[]` (implies `onPayload:<name>`). */
export interface PayloadTypeEntry {
  name: string;
  title?: string;
  reliable?: boolean;
}
/**
 * `contributes.punchStrategies[]`: an openWindow strategy the plugin taps as
 * `hooks.openWindow.for(name)` (implies `onPunch:<name>`). Calls try strategies by `stage`, lowest first.
 */
export interface PunchStrategyEntry {
  name: string;
  title?: string;
  stage?: number;
}
/** `contributes.directoryBackends[]`: a DirectoryBackend of that name (implies `onDirectory:<name>`). */
export interface DirectoryBackendEntry {
  name: string;
  title?: string;
}
/** `contributes.commands[]`: a CommandContribution for that command (implies `onCommand:<command>`). */
export interface CommandEntry {
  command: string;
  title: string;
  usage?: string;
}

/** The entry types of the built-in contribution points, by point name. */
export interface ContributionEntries {
  codecs: CodecEntry;
  payloadTypes: PayloadTypeEntry;
  punchStrategies: PunchStrategyEntry;
  directoryBackends: DirectoryBackendEntry;
  commands: CommandEntry;
}
