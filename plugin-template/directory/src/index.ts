import { ContainerModule } from 'inversify';
import { DirectoryBackend, type Directory } from '@pinhole/core';
import { Table, TableDirectory } from './table';

export { Table, TableDirectory } from './table';

/** The backend's name: `contributes.directoryBackends[0].name`; the manager picks it by config. */
export const BACKEND_NAME = 'template-directory';

export const backend: DirectoryBackend = {
  name: BACKEND_NAME,
  async create(): Promise<Directory> {
    return new TableDirectory(new Table());
  },
};

/** Bound while active (the host activates it on `onDirectory:template-directory`). */
export const containerModule = new ContainerModule((bind) => {
  bind<DirectoryBackend>(DirectoryBackend).toConstantValue(backend);
});
