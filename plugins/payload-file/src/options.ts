/** Plugin options as validated against contributes.configuration (defaults filled in by the host). */
export interface FileOptions {
  chunkBytes: number;
  windowBytes: number;
  offerTimeoutMs: number;
  idleTimeoutMs: number;
}

export const DEFAULT_OPTIONS: FileOptions = {
  chunkBytes: 65536,
  windowBytes: 16 * 1024 * 1024,
  offerTimeoutMs: 30000,
  idleTimeoutMs: 30000,
};

/** The udx channel of the file stream on a session (the same number on both sides; voice uses datagrams). */
export const FILE_CHANNEL = 0xf11e;
