/** The plugin's options: contributes.configuration in package.json is their schema and the only source of defaults. */
export interface FileOptions {
  maxStreams: number;
  /** Fixed data-stream count; 0 adapts it (StreamCount). */
  streams: number;
  windowBytes: number;
  offerTimeoutMs: number;
  idleTimeoutMs: number;
}
/** Plugin-private token for the validated options. */
export const FileOptions = Symbol('FileOptions');

/** The payload type's name: `contributes.payloadTypes[0].name`. */
export const FILE_PAYLOAD = 'file';

/** The udx channel of the file control stream on a session (the same number on both sides; voice uses datagrams). Data channels follow it. */
export const FILE_CHANNEL = 0xf11e;
