/** Plugin options as validated against contributes.configuration (defaults filled in by the host). */
export interface FileOptions {
  maxStreams: number;
  /** Fixed data-stream count; 0 adapts it (StreamCount). */
  streams: number;
  windowBytes: number;
  offerTimeoutMs: number;
  idleTimeoutMs: number;
}

export const DEFAULT_OPTIONS: FileOptions = {
  maxStreams: 8,
  streams: 0,
  windowBytes: 32 * 1024 * 1024,
  offerTimeoutMs: 30000,
  idleTimeoutMs: 30000,
};

/** The udx channel of the file control stream on a session (the same number on both sides; voice uses datagrams). Data channels follow it. */
export const FILE_CHANNEL = 0xf11e;
