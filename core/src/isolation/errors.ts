import type { SandboxError } from '@pinhole/sandbox';
import { PluginError } from '../errors';
import { CodecError } from '../services/codec';

/**
 * Faults of isolated plugins, each naming the plugin (hyperdht style: every code in one place).
 * A call that needed a crashed plugin fails with E_PLUGIN_CRASHED; the plugin's own refusals
 * keep their class and code (a CodecError stays a CodecError).
 */
export const IsolationErrors = Object.freeze({
  ACTIVATE: (id: string, why: string) =>
    new PluginError('E_ACTIVATION_FAILED', `plugin "${id}" failed to activate in its isolation worker: ${why}`, { plugin: id, isolation: 'worker' }),
  /** The plugin binds something whose service takes live objects. */
  UNSUPPORTED: (id: string, what: string) =>
    new PluginError('E_ISOLATION_UNSUPPORTED', `plugin "${id}" runs isolated in a worker, but it ${what}; run it in the peer process with "plugins": { "${id}": { "isolation": "none" } } in pinhole.config.json`, { plugin: id }),
  /** An encoder or decoder made before the plugin's last crash: its state died with the worker. */
  STATE_LOST: (id: string, what: string) =>
    new PluginError('E_PLUGIN_CRASHED', `plugin "${id}" crashed and was restarted since this ${what} was made; its state was lost with the worker, so the call that needed it fails (a new call gets a fresh one)`, { plugin: id }),
  NO_INSTANCE: (id: string, instance: number) => new PluginError('E_PLUGIN_CALL', `plugin "${id}": no codec instance ${instance} in its worker`, { plugin: id }),
});

/** A sandbox fault as the error the caller gets, naming the plugin. */
export function fromSandbox(id: string, err: unknown): Error {
  const e = err as SandboxError;
  const plugin = { plugin: id };
  // The plugin's own refusal (a call's error, its code kept): CodecErrors stay CodecErrors.
  if (e?.remote && e.details?.method !== undefined) {
    const r = e.remote;
    if (r.name === 'CodecError' && r.code) return new CodecError(r.code, r.message, { ...r.details, ...plugin });
    return new PluginError(r.code ?? 'E_PLUGIN_CALL', `plugin "${id}": ${r.message}`, { ...r.details, ...plugin });
  }
  switch (e?.code) {
    case 'E_SANDBOX_CRASHED':
      return new PluginError('E_PLUGIN_CRASHED', `${e.message}; the call that needed it failed (the plugin is restarted unless it crashes too often)`, { ...plugin, cause: e.details.cause });
    case 'E_SANDBOX_FAILED':
      return new PluginError('E_PLUGIN_FAILED', `${e.message}; fix or disable it`, plugin);
    case 'E_SANDBOX_UNAVAILABLE':
      return new PluginError('E_PLUGIN_UNAVAILABLE', e.message, plugin);
    case 'E_SANDBOX_CLOSED':
      return new PluginError('E_PLUGIN_CLOSED', `plugin "${id}" was deactivated; its codecs can no longer be used`, plugin);
    case 'E_SANDBOX_ARGS':
      return new PluginError('E_PLUGIN_ARGS', e.message, plugin);
    default:
      return err as Error;
  }
}
