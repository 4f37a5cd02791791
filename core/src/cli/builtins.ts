import type { CommandContribution, CommandIO } from '../commands';
import type { Host } from '../host/host';
import type { CommandEntry } from '../manifest/types';
import { CORE_VERSION } from '../version';
import { commandHelp, commandSynopsis, defineCommand, parseCommand, usageError } from './command-spec';
import { NEW_PLUGIN_SPEC, templateKinds } from './templates';
import { renderPlugins } from './plugins-command';

const out = (line: string) => process.stdout.write(line + '\n');

/** The core's own commands: their specs are their parsers and their help. */
export const PLUGINS_SPEC = defineCommand({
  name: 'plugins',
  summary: 'Lists the discovered plugins: version, contributions, activation events, state, activation time and problems (a bad manifest, an engine mismatch, a contribution declared but not provided). Reads manifests only, unless --activate asks for activation.',
  options: {
    activate: { type: 'string', multiple: true, arg: 'EVENT', description: 'activate the plugins listening for EVENT first (onStartup, onPayload:file …), to see their activation time and problems' },
  },
});
export const VERSION_SPEC = defineCommand({ name: 'version', summary: 'Prints the core version (also: pinhole --version).', options: {} });
export const HELP_SPEC = defineCommand({ name: 'help', positionals: '[COMMAND]', summary: 'Lists every command; with COMMAND, prints its help (as pinhole COMMAND --help does).', options: {} });

export function coreCommandEntries(): CommandEntry[] {
  return [
    { command: 'plugins', usage: commandSynopsis(PLUGINS_SPEC), title: 'list discovered plugins: version, contributions, activation events, state, problems' },
    { command: 'new-plugin', usage: commandSynopsis(NEW_PLUGIN_SPEC), title: `create a plugin from plugin-template/ (--kind ${templateKinds().join('|')}; default --dir: the repository's plugins/)` },
    { command: 'version', usage: commandSynopsis(VERSION_SPEC), title: 'print the core version (also pinhole --version)' },
    { command: 'help', usage: commandSynopsis(HELP_SPEC), title: 'this text; help COMMAND prints that command\'s options' },
  ];
}

/** Commands plugins contribute, from their manifests (no plugin code is loaded to list them). */
function contributedEntries(host: Host): Array<CommandEntry & { plugin: string }> {
  return host.plugins
    .list()
    .filter((p) => p.state !== 'invalid' && p.state !== 'disabled')
    .flatMap((p) => ((p.contributes.commands as CommandEntry[] | undefined) ?? []).map((c) => ({ ...c, plugin: p.id })));
}

export function helpText(host: Host): string {
  const rows: Array<[string, string]> = [
    ...coreCommandEntries().map((c): [string, string] => [c.usage ?? c.command, c.title]),
    ...contributedEntries(host).map((c): [string, string] => [c.usage ?? c.command, `${c.title} (plugin ${c.plugin})`]),
  ];
  return [
    `pinhole ${CORE_VERSION}: a plugin host for peer-to-peer transports through firewalls`,
    '',
    'usage: pinhole <command> [options]',
    '',
    'commands:',
    // Usage on its own line, what it does below: long usages stay readable in 80 columns.
    ...rows.flatMap(([a, b]) => [`  ${a}`, `      ${b}`]),
    '',
    '"pinhole COMMAND --help" prints the options of COMMAND, their meaning and defaults.',
    '',
    'global options (any command):',
    '  --version           print the version',
    '  --json              machine-readable output (NDJSON events)',
    '  --config FILE       config file (default ./pinhole.config.json if present)',
    '  --log-level LEVEL   debug|info|warn|error|silent (default: the config\'s log.level, else warn)',
  ].join('\n');
}

class Builtin implements CommandContribution {
  constructor(
    readonly command: string,
    readonly run: (argv: string[], io: CommandIO) => Promise<number>,
  ) {}
}

/** Registers the built-ins in the host's CommandRegistry, the one the CLI runs every command through. */
export function registerBuiltins(host: Host): void {
  const commands = [
    new Builtin('version', async (argv, io) => {
      if (parseCommand(VERSION_SPEC, argv).help) return (out(commandHelp(VERSION_SPEC)), 0);
      out(io.json ? JSON.stringify({ event: 'version', version: CORE_VERSION }) : CORE_VERSION);
      return 0;
    }),
    new Builtin('help', async (argv) => {
      if (parseCommand(HELP_SPEC, argv).help) return (out(commandHelp(HELP_SPEC)), 0);
      out(helpText(host));
      return 0;
    }),
    new Builtin('plugins', async (argv, io) => {
      const { values, help } = parseCommand(PLUGINS_SPEC, argv);
      if (help) return (out(commandHelp(PLUGINS_SPEC)), 0);
      const events = values.activate ?? [];
      const known = new Set(host.plugins.list().flatMap((p) => p.activationEvents));
      const unknown = events.filter((e) => !known.has(e) && !known.has('*'));
      if (unknown.length)
        throw usageError('plugins', `no plugin activates on ${unknown.map((e) => `"${e}"`).join(', ')}; events in use: ${[...known].sort().join(', ')}`);
      for (const event of events) await host.plugins.activateByEvent(event).catch((err) => io.log.warn((err as Error).message));
      const list = host.plugins.list();
      if (io.json) for (const p of list) out(JSON.stringify({ event: 'plugin', ...p }));
      else out(renderPlugins(list));
      return 0;
    }),
    new Builtin('new-plugin', async (argv, io) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runNewPlugin } = require('./new-plugin') as typeof import('./new-plugin');
      return runNewPlugin(argv, host.plugins.list(), out, io.json);
    }),
  ];
  for (const c of commands) host.commands.register('core', c);
}
