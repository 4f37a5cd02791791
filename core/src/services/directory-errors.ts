import { PinholeError } from '../errors';

/**
 * The directory's error catalog (every backend and the manager use it), so each code is listed
 * once. Config faults (unknown backend, bad options, unreachable at start) stop the manager
 * with one line; E_DIRECTORY_UNAVAILABLE is a runtime outage the manager rides out.
 */
export class DirectoryError extends PinholeError {
  /** A call on a handle after close(). */
  static CLOSED(): DirectoryError {
    return new DirectoryError('E_DIRECTORY_CLOSED', 'this directory handle is closed; create a new one from the DirectoryBackend');
  }

  /** `directory` names a backend no installed plugin contributes. */
  static UNKNOWN(name: string, installed: string[]): DirectoryError {
    const list = installed.length ? installed.join(', ') : 'none';
    return new DirectoryError(
      'E_DIRECTORY_UNKNOWN',
      `no directory backend "${name}" (installed: ${list}); set plugins.manager-server.options.directory to one of them, or install the plugin contributing "${name}"`,
      { name, installed },
    );
  }

  /** directoryOptions do not match the backend's schema. */
  static OPTIONS(backend: string, faults: string): DirectoryError {
    return new DirectoryError('E_DIRECTORY_OPTIONS', `directory "${backend}": ${faults}`, { backend });
  }

  /** The backend's store cannot be reached when the manager starts. */
  static UNREACHABLE(backend: string, where: string, why: string, fix: string): DirectoryError {
    return new DirectoryError('E_DIRECTORY_UNREACHABLE', `directory "${backend}": cannot reach ${where} (${why}); ${fix}`, { backend, where });
  }

  /** The store failed or timed out on one operation while running (an outage the caller may ride out). */
  static UNAVAILABLE(backend: string, why: string): DirectoryError {
    return new DirectoryError('E_DIRECTORY_UNAVAILABLE', `the manager's directory (${backend}) is unavailable: ${why}; try again shortly`, { backend });
  }

  /** A snapshot file that cannot be read, parsed or written. */
  static SNAPSHOT(file: string, why: string): DirectoryError {
    return new DirectoryError('E_DIRECTORY_SNAPSHOT', `directory snapshot ${file}: ${why}`, { file });
  }

  /** The backend's existing data was made with settings this node does not share. */
  static LAYOUT(backend: string, what: string): DirectoryError {
    return new DirectoryError('E_DIRECTORY_LAYOUT', `directory "${backend}": ${what}`, { backend });
  }
}

export const isDirectoryOutage = (err: unknown): boolean => (err as { code?: string })?.code === 'E_DIRECTORY_UNAVAILABLE';
