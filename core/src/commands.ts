import type { Disposable } from './disposable';
import { PluginError } from './errors';
import type { Logger } from './log';

export interface CommandIO {
  log: Logger;
  json: boolean;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly. */
  signal: AbortSignal;
  /** Path of the config file in use, if any (so commands can start child processes with it). */
  configFile?: string;
}
/** A CLI command contributed by a plugin (`contributes.commands`); returns the exit code. */
export type CommandHandler = (argv: string[], io: CommandIO) => Promise<number>;

export interface CommandRegistry {
  register(name: string, handler: CommandHandler): Disposable;
  get(name: string): CommandHandler | undefined;
}
export const CommandRegistry = Symbol('CommandRegistry');

export function createCommandRegistry(): CommandRegistry {
  const handlers = new Map<string, CommandHandler>();
  return {
    register(name, handler) {
      if (handlers.has(name)) throw new PluginError('E_COMMAND_TAKEN', `command "${name}" is already registered by another plugin; rename one`);
      handlers.set(name, handler);
      return { dispose: () => void (handlers.get(name) === handler && handlers.delete(name)) };
    },
    get: (name) => handlers.get(name),
  };
}
