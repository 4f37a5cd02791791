#!/usr/bin/env node
import { PinholeError } from '../errors';
import { Host } from '../host';
import { createLogger } from '../log';
import { CORE_VERSION } from '../version';
import { splitGlobalOptions } from './args';
import { NEW_PLUGIN_USAGE, runNewPlugin, templateKinds } from './new-plugin';
import { renderPlugins } from './plugins-command';

const BUILTIN_HELP: Array<[string, string]> = [
  ['plugins [--activate EVENT]', 'list discovered plugins: version, contributions, activation events, state, problems'],
  [NEW_PLUGIN_USAGE, `create a plugin from plugin-template/ (--kind ${templateKinds().join('|')}; default --dir: the repository's plugins/)`],
  ['lab up|exec|status|down …', 'real-firewall network lab in Linux namespaces (root)'],
  ['version', 'print the core version'],
  ['help', 'this text'],
];

function help(host: Host | undefined): string {
  const contributed: Array<[string, string]> = [];
  for (const p of host?.plugins.list() ?? [])
    for (const c of (p.contributes.commands as Array<{ command: string; title: string; usage?: string }> | undefined) ?? [])
      if (p.state !== 'invalid' && p.state !== 'disabled') contributed.push([c.usage ?? c.command, `${c.title} (plugin ${p.id})`]);
  const rows = [...BUILTIN_HELP, ...contributed];
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
    '  --log-level LEVEL   debug|info|warn|error|silent (default warn)',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = splitGlobalOptions(argv);
  } catch (err) {
    process.stderr.write(`pinhole: ${(err as Error).message}\n`);
    return 2;
  }
  const { globals, rest } = parsed;
  const log = createLogger({ json: globals.json, level: globals.logLevel ?? 'warn' });
  const [command, ...args] = rest;

  if (command === 'version') {
    process.stdout.write(globals.json ? JSON.stringify({ event: 'version', version: CORE_VERSION }) + '\n' : `${CORE_VERSION}\n`);
    return 0;
  }
  if (command === 'lab') {
    // The lab is a tool package, not a plugin: loaded only when asked for.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lab = require('@pinhole/lab') as { runLabCli(argv: string[], out: (l: string) => void, json: boolean): Promise<number> };
    return lab.runLabCli(args, (l) => process.stdout.write(l + '\n'), globals.json);
  }

  let host: Host;
  try {
    host = new Host({ config: globals.config, log });
  } catch (err) {
    report(err, globals.json);
    return 2;
  }

  if (!command || command === 'help' || (globals.help && !command)) {
    process.stdout.write(help(host) + '\n');
    return command || globals.help ? 0 : 2;
  }

  if (command === 'plugins') {
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--activate' && args[i + 1]) {
        await host.plugins.activateByEvent(args[++i]).catch((err) => log.warn((err as Error).message));
      } else {
        process.stderr.write(`pinhole plugins: unknown argument ${args[i]}\n`);
        return 2;
      }
    }
    const list = host.plugins.list();
    if (globals.json) for (const p of list) process.stdout.write(JSON.stringify({ event: 'plugin', ...p }) + '\n');
    else process.stdout.write(renderPlugins(list) + '\n');
    await host.dispose();
    return 0;
  }

  if (command === 'new-plugin') {
    try {
      return runNewPlugin(args, host.plugins.list(), (l) => process.stdout.write(l + '\n'), globals.json);
    } catch (err) {
      report(err, globals.json);
      return (err as PinholeError).code === 'E_USAGE' ? 2 : 1;
    } finally {
      await host.dispose();
    }
  }

  const providers = host.plugins.list().filter((p) => (p.contributes.commands as Array<{ command: string }> | undefined)?.some((c) => c.command === command));
  if (providers.length === 0) {
    process.stderr.write(`pinhole: unknown command "${command}"; run "pinhole help" for the list\n`);
    return 2;
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    // onStartup plugins (punch strategies, …) are part of every running app.
    await host.start();
    await host.plugins.activateByEvent(`onCommand:${command}`);
    const handler = host.commands.get(command);
    if (!handler) throw new PinholeError('E_COMMAND_MISSING', `plugin ${providers[0].id} contributes "${command}" but did not register a handler for it`);
    if (globals.help) args.push('--help');
    return await handler(args, { log, json: globals.json, signal: controller.signal, configFile: host.config.file });
  } catch (err) {
    report(err, globals.json);
    return 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await host.dispose();
  }
}

function report(err: unknown, json: boolean): void {
  const e = err as PinholeError;
  if (json) process.stdout.write(JSON.stringify({ event: 'error', code: e.code ?? 'E_INTERNAL', message: e.message }) + '\n');
  else process.stderr.write(`pinhole: ${e.code ? e.code + ': ' : ''}${e.message}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      report(err, process.argv.includes('--json'));
      process.exitCode = 1;
    },
  );
}
