import { inject, injectable } from 'inversify';
import { Logger, resolveDirectoryOptions, type DirectoryBackend, type DirectoryOptions } from '@pinhole/core';
import * as manifest from '../package.json';
import { MemoryDirectory } from './memory-directory';

export const MEMORY_BACKEND_NAME = manifest.contributes.directoryBackends[0].name;

/** The plugin's options (contributes.configuration is the only source of defaults). */
export interface MemoryDirectoryOptions extends DirectoryOptions {
  /** Snapshot file; absent = nothing kept across restarts. */
  file?: string;
  snapshotDelayMs: number;
}
export const MemoryDirectoryOptions = Symbol('MemoryDirectoryOptions');

/**
 * The `memory` backend: each create() is a new table for one manager node, empty or loaded
 * from the snapshot file (`directoryOptions.file`), which it then keeps up to date.
 */
@injectable()
export class MemoryBackend implements DirectoryBackend {
  readonly name = MEMORY_BACKEND_NAME;

  constructor(
    @inject(Logger) private readonly log: Logger,
    @inject(MemoryDirectoryOptions) private readonly options: MemoryDirectoryOptions,
  ) {}

  async create(overrides: Record<string, unknown> = {}): Promise<MemoryDirectory> {
    const o = resolveDirectoryOptions<MemoryDirectoryOptions>(MEMORY_BACKEND_NAME, manifest.contributes.configuration, this.options, overrides);
    const log = this.log.child('directory-memory');
    const onHandlerError = (err: unknown, node: string) => log.error('a directory subscriber threw while handling a message', { node, error: (err as Error)?.message ?? String(err) });
    if (!o.file) return MemoryDirectory.create(onHandlerError, o);
    const d = MemoryDirectory.create(onHandlerError, o, { file: o.file, delayMs: o.snapshotDelayMs, onError: (err) => log.error(err.message) });
    log.info('directory snapshot loaded', { file: o.file, ...d.size });
    return d;
  }
}
