#!/usr/bin/env node
import { loadConfig } from '../config/config';
import type { CommandIO } from '../commands';
import { PinholeError } from '../errors';
import { Host } from '../host/host';
import { createLogger } from '../log';
import type { CommandEntry } from '../manifest/types';
import { registerBuiltins } from './builtins';
import { parseGlobals } from './globals';

/**
 * `pinhole …`: global options (util.parseArgs), the config (its log.level unless --log-level
 * says otherwise), then every command — built-ins and plugin commands alike — through the host's
 * CommandRegistry. A plugin command activates `onStartup` and `onCommand:<name>` first.
 */
export async function main(argv: string[]): Promise<number> {
  let json = argv.includes('--json');
  let host: Host;
  let io: Omit<CommandIO, 'signal'>;
  let rest: string[];
  try {
    const parsed = parseGlobals(argv);
    rest = parsed.rest;
    json = parsed.globals.json;
    const config = loadConfig(parsed.globals.config);
    const log = createLogger({ json, level: parsed.globals.logLevel ?? config.config.log?.level ?? 'warn' });
    host = new Host({ config, log });
    io = { log, json, configFile: config.file };
  } catch (err) {
    report(err, json);
    return 2;
  }
  registerBuiltins(host);
  const [first, ...args] = rest;
  if (first === undefined) return (await runCommand(host, 'help', [], io), 2);
  return runCommand(host, first === '--help' || first === '-h' ? 'help' : first, args, io);
}

/** Runs one command through the registry, activating the plugin that contributes it if needed. */
export async function runCommand(host: Host, name: string, args: string[], base: Omit<CommandIO, 'signal'>): Promise<number> {
  const providers = host.plugins.list().filter((p) => ((p.contributes.commands as CommandEntry[] | undefined) ?? []).some((c) => c.command === name));
  if (!host.commands.get(name) && providers.length === 0) {
    process.stderr.write(`pinhole: unknown command "${name}"; run "pinhole help" for the list\n`);
    return 2;
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    let command = host.commands.get(name);
    if (!command) {
      // onStartup plugins are part of every running app.
      await host.start();
      await host.plugins.activateByEvent(`onCommand:${name}`);
      command = host.commands.get(name);
      if (!command) throw new PinholeError('E_COMMAND_MISSING', `plugin ${providers[0].id} contributes "${name}" but binds no CommandContribution for it (see "pinhole plugins")`);
    }
    return await command.contribution.run(args, { ...base, signal: controller.signal });
  } catch (err) {
    report(err, base.json);
    return isUsageError(err) ? 2 : 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await host.dispose();
  }
}

/** Usage faults: ours (E_USAGE) and util.parseArgs' (ERR_PARSE_ARGS_*) in any command. */
function isUsageError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'E_USAGE' || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
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
