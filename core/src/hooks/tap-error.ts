import { PinholeError, PluginError } from '../errors';

/**
 * What a hook run rejects with when a tap throws: wrapped exactly once, by the TapApi that made
 * the tap. It keeps the tap's own `code` (E_WINDOW_TIMEOUT, E_REFUSED …; E_HOOK_TAP_FAILED for
 * an error without one, i.e. a bug in the plugin) so runners branch on `code` without unwrapping,
 * and its message names the plugin and the hook. `tapErrorCause` gives back what the tap threw.
 */
export class TapError extends PluginError {
  readonly plugin: string;
  readonly hook: string;

  private constructor(plugin: string, hook: string, cause: unknown) {
    const code = cause instanceof PinholeError ? cause.code : 'E_HOOK_TAP_FAILED';
    const message = (cause as Error)?.message ?? String(cause);
    const details = cause instanceof PinholeError ? cause.details : {};
    super(code, `plugin "${plugin}" failed in hook "${hook}": ${message}`, { ...details, plugin, hook }, { cause });
    this.plugin = plugin;
    this.hook = hook;
  }

  /** Wraps what a tap threw; an error that is already a TapError (a nested hook run) passes unchanged. */
  static wrap(err: unknown, plugin: string, hook: string): TapError {
    return err instanceof TapError ? err : new TapError(plugin, hook, err);
  }
}

/** The error a tap originally threw (the one unwrap helper); anything else is returned as is. */
export function tapErrorCause(err: unknown): unknown {
  return err instanceof TapError ? err.cause : err;
}
