import { ContainerModule, injectable } from 'inversify';
import { CommandContribution, contribute, type CommandIO, type PluginContext } from '@pinhole/core';
import { runLabCli } from '@pinhole/lab';

/** `pinhole lab up|exec|status|down`: the lab package's CLI, run through the CommandRegistry like every command. */
@injectable()
export class LabCommand implements CommandContribution {
  readonly command = 'lab';

  run(argv: string[], io: CommandIO): Promise<number> {
    return runLabCli(argv, (line) => process.stdout.write(line + '\n'), io.json);
  }
}

/** The lab is a tool package, not part of the core: this plugin is what brings it to the CLI. */
export function containerModule(ctx: PluginContext): ContainerModule {
  return new ContainerModule((bind) => {
    contribute(bind, ctx, CommandContribution, LabCommand);
  });
}
