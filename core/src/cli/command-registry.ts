import type { CommandContribution } from '../commands';
import type { Disposable } from '../disposable';
import { PluginError } from '../errors';

/** A registered command and who registered it ("core" for the built-ins, else a plugin id). */
export interface RegisteredCommand {
  readonly owner: string;
  readonly contribution: CommandContribution;
}

/** The one place the CLI looks commands up: built-ins and plugin commands alike. */
export class CommandRegistry {
  private readonly commands = new Map<string, RegisteredCommand>();

  register(owner: string, contribution: CommandContribution): Disposable {
    const name = contribution.command;
    const taken = this.commands.get(name);
    if (taken)
      throw new PluginError('E_COMMAND_TAKEN', `command "${name}" of ${owner === 'core' ? 'the core' : `plugin "${owner}"`} is already registered by ${taken.owner === 'core' ? 'the core' : `plugin "${taken.owner}"`}; rename one`, { command: name, owner, holder: taken.owner });
    const entry = { owner, contribution };
    this.commands.set(name, entry);
    return { dispose: () => void (this.commands.get(name) === entry && this.commands.delete(name)) };
  }

  get(name: string): RegisteredCommand | undefined {
    return this.commands.get(name);
  }

  names(): string[] {
    return [...this.commands.keys()];
  }
}
