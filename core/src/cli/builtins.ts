import { parseArgs } from 'util';
import type { CommandContribution, CommandIO } from '../commands';
import { PinholeError } from '../errors';
import type { Host } from '../host/host';
import type { CommandEntry } from '../manifest/types';
import { CORE_VERSION } from '../version';
import { NEW_PLUGIN_USAGE, templateKinds } from './templates';
import { renderPlugins } from './plugins-command';

const out = (line: string) => process.stdout.write(line + '\n');

/** The core's own commands, declared like a plugin's `contributes.commands` (help lists them first). */
export function coreCommandEntries(): CommandEntry[] {
  return [
    { command: 'plugins', usage: 'plugins [--activate EVENT]…', title: 'list discovered plugins: version, contributions, activation events, state, problems' },
    { command: 'new-plugin', usage: NEW_PLUGIN_USAGE, title: `create a plugin from plugin-template/ (--kind ${templateKinds().join('|')}; default --dir: the repository's plugins/)` },
    { command: 'version', usage: 'version', title: 'print the core version' },
    { command: 'help', usage: 'help', title: 'this text' },
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
    'global options:',
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

function usageError(command: string, err: unknown): PinholeError {
  const usage = coreCommandEntries().find((c) => c.command === command)?.usage ?? command;
  return new PinholeError('E_USAGE', `${(err as Error).message}; usage: pinhole ${usage}`);
}

/** Registers the built-ins in the host's CommandRegistry, the one the CLI runs every command through. */
export function registerBuiltins(host: Host): void {
  const commands = [
    new Builtin('version', async (_argv, io) => {
      out(io.json ? JSON.stringify({ event: 'version', version: CORE_VERSION }) : CORE_VERSION);
      return 0;
    }),
    new Builtin('help', async () => {
      out(helpText(host));
      return 0;
    }),
    new Builtin('plugins', async (argv, io) => {
      let events: string[];
      try {
        events = parseArgs({ args: argv, options: { activate: { type: 'string', multiple: true } } }).values.activate ?? [];
      } catch (err) {
        throw usageError('plugins', err);
      }
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
