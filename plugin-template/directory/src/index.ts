import { ContainerModule, injectable } from 'inversify';
import { DirectoryBackend, type Directory, type DirectoryOptions, type PluginContext } from '@pinhole/core';
import { Table, TableDirectory } from './table';

export { Table, TableDirectory } from './table';

/** The backend's name: `contributes.directoryBackends[0].name`; the manager picks it by config. */
export const BACKEND_NAME = 'template-directory';

/** Each create() is one manager node on a fresh shared table. */
@injectable()
export class TableBackend implements DirectoryBackend {
  readonly name = BACKEND_NAME;

  /** `nameTtlMs`: how long a name nobody uses stays bound to its key (the manager passes it through). */
  async create(options: DirectoryOptions = {}): Promise<Directory> {
    return new TableDirectory(new Table(options.nameTtlMs));
  }
}

/** Bound while active (the host activates it on `onDirectory:template-directory`). */
export function containerModule(_ctx: PluginContext): ContainerModule {
  return new ContainerModule((bind) => {
    bind(DirectoryBackend).to(TableBackend).inSingletonScope();
  });
}
