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
  if (first === '--version' || first === '-V') return runCommand(host, 'version', args, io);
  // `pinhole help CMD` is `pinhole CMD --help`.
  if ((first === 'help' || first === '--help' || first === '-h') && args[0] && !args[0].startsWith('-')) return runCommand(host, args[0], ['--help'], io);
  return runCommand(host, first === '--help' || first === '-h' ? 'help' : first, args, io);
}

/** Runs one command through the registry, activating the plugin that contributes it if needed. */
export async function runCommand(host: Host, name: string, args: string[], base: Omit<CommandIO, 'signal'>): Promise<number> {
  const providers = host.plugins.list().filter((p) => ((p.contributes.commands as CommandEntry[] | undefined) ?? []).some((c) => c.command === name));
  if (!host.commands.get(name) && providers.length === 0) {
    report(new PinholeError('E_USAGE', `unknown command "${name}"${name.startsWith('-') ? ' (options go after the command)' : ''}; run "pinhole help" for the list`), base.json);
    return 2;
  }
  const controller = new AbortController();
  let interrupted = false;
  const stop = (signal: NodeJS.Signals) => {
    interrupted ||= signal === 'SIGINT';
    controller.abort(new PinholeError('E_INTERRUPTED', `stopped by ${signal}`));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const code = await execute();
    // Ctrl-C: the command stopped cleanly, and the shell learns it was interrupted (128 + SIGINT).
    return interrupted ? 130 : code;
  } catch (err) {
    if (interrupted) return 130;
    report(err, base.json);
    return isUsageError(err) ? 2 : 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await host.dispose();
  }

  async function execute(): Promise<number> {
    let command = host.commands.get(name);
    if (!command) {
      // onStartup plugins are part of every running app.
      await host.start();
      await host.plugins.activateByEvent(`onCommand:${name}`);
      command = host.commands.get(name);
      if (!command) throw new PinholeError('E_COMMAND_MISSING', `plugin ${providers[0].id} contributes "${name}" but binds no CommandContribution for it (see "pinhole plugins")`);
    }
    return command.contribution.run(args, { ...base, signal: controller.signal });
  }
}

/** Usage faults: ours (E_USAGE, a peer command given no manager at all) and util.parseArgs' (ERR_PARSE_ARGS_*) in any command. */
function isUsageError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'E_USAGE' || code === 'E_NO_MANAGER' || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

/** The one error style: `pinhole: E_CODE: what happened and how to fix it` (an `error` event with --json). */
export function report(err: unknown, json: boolean): void {
  const e = err as PinholeError;
  const code = typeof e?.code === 'string' ? e.code : 'E_INTERNAL';
  const message = String(e?.message ?? err);
  if (json) process.stdout.write(JSON.stringify({ event: 'error', code, message }) + '\n');
  // A system error's message starts with its code already ("ENOENT: no such file …").
  else process.stderr.write(`pinhole: ${message.startsWith(code) ? '' : code + ': '}${message}\n`);
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
