import { parseArgs } from 'util';
import { PinholeError } from '../errors';
import type { LogLevel } from '../log';

/** Global CLI options, accepted anywhere before `--`: --json, --config FILE, --log-level LEVEL. */
export interface GlobalOptions {
  json: boolean;
  config?: string;
  logLevel?: LogLevel;
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
const GLOBAL = {
  json: { type: 'boolean' },
  config: { type: 'string' },
  'log-level': { type: 'string' },
} as const;

/**
 * Takes the global options out of argv with util.parseArgs (non-strict, with tokens, so the
 * command's own options pass through untouched and in order); the rest is the command and its argv.
 */
export function parseGlobals(argv: string[]): { globals: GlobalOptions; rest: string[] } {
  const { tokens } = parseArgs({ args: argv, options: GLOBAL, strict: false, allowPositionals: true, tokens: true });
  const globals: GlobalOptions = { json: false };
  const taken = new Set<number>();
  for (const t of tokens) {
    if (t.kind === 'option-terminator') break;
    if (t.kind !== 'option' || !(t.name in GLOBAL)) continue;
    taken.add(t.index);
    if (t.name === 'json') {
      if (t.value !== undefined) throw usage(`--json takes no value (got "${t.value}")`);
      globals.json = true;
      continue;
    }
    if (t.value === undefined) throw usage(`${t.rawName} needs a value`);
    if (!t.inlineValue) taken.add(t.index + 1);
    if (t.name === 'config') globals.config = t.value;
    else if ((LEVELS as readonly string[]).includes(t.value)) globals.logLevel = t.value as LogLevel;
    else throw usage(`--log-level must be one of ${LEVELS.join(', ')} (got "${t.value}")`);
  }
  return { globals, rest: argv.filter((_, i) => !taken.has(i)) };
}

function usage(message: string): PinholeError {
  return new PinholeError('E_USAGE', message);
}
