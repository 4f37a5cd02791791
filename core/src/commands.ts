import type { Logger } from './log';

export interface CommandIO {
  log: Logger;
  json: boolean;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly. */
  signal: AbortSignal;
  /** Path of the config file in use, if any (so commands can start child processes with it). */
  configFile?: string;
}

/**
 * A CLI command (`pinhole <command> …`). A plugin declares it in `contributes.commands` and binds
 * it with `contribute(bind, ctx, CommandContribution, MyCommand)`; the CLI runs every command,
 * its own built-ins included, through one registry. `run` returns the exit code.
 */
export interface CommandContribution {
  readonly command: string;
  run(argv: string[], io: CommandIO): Promise<number>;
}
export const CommandContribution = Symbol('CommandContribution');
