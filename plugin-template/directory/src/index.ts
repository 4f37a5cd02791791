import { ContainerModule } from 'inversify';
import { DirectoryBackend, type Directory, type DirectoryOptions } from '@pinhole/core';
import { Table, TableDirectory } from './table';

export { Table, TableDirectory } from './table';

/** The backend's name: `contributes.directoryBackends[0].name`; the manager picks it by config. */
export const BACKEND_NAME = 'template-directory';

export const backend: DirectoryBackend = {
  name: BACKEND_NAME,
  /** `nameTtlMs`: how long a name nobody uses stays bound to its key (the manager passes it through). */
  async create(options: DirectoryOptions = {}): Promise<Directory> {
    return new TableDirectory(new Table(options.nameTtlMs));
  },
};

/** Bound while active (the host activates it on `onDirectory:template-directory`). */
export const containerModule = new ContainerModule((bind) => {
  bind<DirectoryBackend>(DirectoryBackend).toConstantValue(backend);
});
