/** Where a failed call came from: the sandbox itself (codes E_SANDBOX_*) or the module's own error. */
export interface RemoteError {
  name: string;
  code?: string;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * Sandbox faults, with a stable `code` (the package depends on nothing, so this is its own
 * catalog; the core's plugin isolation turns them into PluginErrors naming the plugin).
 * A call that the module itself refused keeps the module's code (E_SANDBOX_CALL if it had none),
 * with the module's error in `remote`.
 */
export class SandboxError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** The module's own error, for E_SANDBOX_CALL and E_SANDBOX_LOAD. */
    readonly remote?: RemoteError,
  ) {
    super(message);
    this.name = 'SandboxError';
  }
}

export type CrashCause = 'timeout' | 'heap' | 'exit' | 'error' | 'start';

export const SandboxErrors = Object.freeze({
  /** The module failed to load or to build its API (threw, or exported none). */
  LOAD: (name: string, err: RemoteError) =>
    new SandboxError('E_SANDBOX_LOAD', `${name} failed to start in its sandbox: ${err.message}`, { sandbox: name }, err),
  /** Loading did not finish in time (an endless loop at start, or a hang). */
  START_TIMEOUT: (name: string, ms: number) =>
    new SandboxError('E_SANDBOX_LOAD', `${name} did not start in its sandbox within ${ms} ms; it was stopped`, { sandbox: name, cause: 'timeout' }),
  /** The module's method threw or rejected: its code kept (E_SANDBOX_CALL if it had none), its error in `remote`. */
  CALL: (name: string, method: string, err: RemoteError) =>
    new SandboxError(err.code ?? 'E_SANDBOX_CALL', `${name}: ${err.message}`, { sandbox: name, method }, err),
  /** Calls in flight when the worker crashed (or was stopped for a timeout) fail with this. */
  CRASHED: (name: string, cause: CrashCause, why: string) =>
    new SandboxError('E_SANDBOX_CRASHED', `${name} crashed in its sandbox (${why})`, { sandbox: name, cause }),
  /** Waited for a restarting worker longer than the call timeout. */
  UNAVAILABLE: (name: string, ms: number) =>
    new SandboxError('E_SANDBOX_UNAVAILABLE', `${name} is restarting after a crash and was not back within ${ms} ms`, { sandbox: name }),
  /** Crashed more often than the restart limit allows: stopped for good. */
  FAILED: (name: string, crashes: number, last: string) =>
    new SandboxError('E_SANDBOX_FAILED', `${name} crashed ${crashes} times (last: ${last}) and is not restarted again`, { sandbox: name, crashes }),
  CLOSED: (name: string) => new SandboxError('E_SANDBOX_CLOSED', `the sandbox of ${name} is closed`, { sandbox: name }),
  /** Arguments that structured clone refuses (functions, class instances with private state …). */
  ARGS: (name: string, method: string, why: string) =>
    new SandboxError('E_SANDBOX_ARGS', `${name}: arguments of ${method}() cannot cross the sandbox (${why}); pass plain data`, { sandbox: name, method }),
});

/** An error as plain data (what crosses the worker boundary). */
export function toRemoteError(err: unknown): RemoteError {
  const e = err as { name?: string; code?: unknown; message?: string; details?: unknown } | undefined;
  const details = e?.details && typeof e.details === 'object' ? (safeClone(e.details) as Record<string, unknown>) : undefined;
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    code: typeof e?.code === 'string' ? e.code : undefined,
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(details ? { details } : {}),
  };
}

function safeClone(v: unknown): unknown {
  try {
    return structuredClone(v);
  } catch {
    return undefined;
  }
}
