import { parseArgs } from 'util';
import { PinholeError } from '../errors';

/**
 * One option of a command: what util.parseArgs needs, plus what `--help` prints. The spec is the
 * single source of a command's flags, its help text and its synopsis (the README table's first
 * column and the manifest's `usage`; a test keeps the three equal).
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in help and synopsis: FILE, N, HOST:PORT … */
  arg?: string;
  default?: string | boolean | string[];
  /** How the default is described when it is not a literal (e.g. "$PINHOLE_HOME/identity.pem"). */
  defaultText?: string;
  /** Required: the synopsis shows it bare and a missing one is a usage error naming it. */
  required?: boolean;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  /** `call`, or `lab up` for a subcommand. */
  name: string;
  /** Positionals in the synopsis, e.g. `NAME`; `[NAME]` when optional. */
  positionals?: string;
  /** How many positionals are accepted (default: exactly as many as `positionals` names, else none). */
  minPositionals?: number;
  maxPositionals?: number;
  /** One paragraph: what the command does. */
  summary: string;
  options: O;
  /** Paragraphs printed after the options (exit codes, examples …). */
  notes?: string[];
}

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean' ? (S['multiple'] extends true ? boolean[] : boolean) : S['multiple'] extends true ? string[] : string;

/** Parsed values, typed from the spec: options with a default are always present. */
export type Values<O extends OptionSpecs> = { [K in keyof O]: O[K] extends { default: unknown } ? ValueOf<O[K]> : ValueOf<O[K]> | undefined };

export interface Parsed<O extends OptionSpecs> {
  values: Values<O>;
  positionals: string[];
  /** `--help`/`-h` was given: print commandHelp(spec) and exit 0 (nothing else was checked). */
  help: boolean;
}

/** The options every command has; help lists them once at the end. */
export const GLOBAL_HELP = '  --json, --config FILE, --log-level LEVEL (debug|info|warn|error|silent): see pinhole --help';

/** Typed identity: keeps the literal option types for Values<>. */
export function defineCommand<const O extends OptionSpecs>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

/** A usage fault: exit 2, and the message says how to get the help. */
export function usageError(command: string, message: string): PinholeError {
  return new PinholeError('E_USAGE', `${message}; see "pinhole ${command} --help"`, { command });
}

/**
 * Parses argv against the spec: unknown options, missing values, missing required options and
 * the wrong number of positionals become E_USAGE naming the option (never Node's raw parser text).
 */
export function parseCommand<O extends OptionSpecs>(spec: CommandSpec<O>, argv: string[]): Parsed<O> {
  const dash = argv.indexOf('--');
  const flags = dash >= 0 ? argv.slice(0, dash) : argv;
  if (flags.includes('--help') || flags.includes('-h')) return { values: {} as Values<O>, positionals: [], help: true };
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string; default?: string | boolean | string[] }> = {};
  for (const [name, o] of Object.entries(spec.options))
    options[name] = Object.fromEntries(Object.entries({ type: o.type, multiple: o.multiple, short: o.short, default: o.default }).filter(([, v]) => v !== undefined)) as (typeof options)[string];
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(spec.name, parseFault(err as NodeJS.ErrnoException & { message: string }, spec));
  }
  const { values, positionals } = parsed;
  const missing = Object.entries(spec.options).filter(([n, o]) => o.required && values[n] === undefined);
  if (missing.length)
    throw usageError(spec.name, `${missing.map(([n, o]) => `--${n}${o.arg ? ' ' + o.arg : ''}`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required (${missing.map(([, o]) => o.description).join('; ')})`);
  const named = (spec.positionals ?? '').split(/\s+/).filter(Boolean);
  const min = spec.minPositionals ?? named.filter((p) => !p.startsWith('[')).length;
  const max = spec.maxPositionals ?? named.length;
  if (positionals.length < min) throw usageError(spec.name, `${named.slice(positionals.length).filter((p) => !p.startsWith('['))[0] ?? 'an argument'} is missing`);
  if (positionals.length > max) throw usageError(spec.name, `unexpected argument "${positionals[max]}"`);
  return { values: values as Values<O>, positionals, help: false };
}

function parseFault(err: NodeJS.ErrnoException & { message: string }, spec: CommandSpec): string {
  const opt = /'(-{1,2}[^' ]+)/.exec(err.message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${opt ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = opt?.replace(/^-+/, '');
      const o = name ? spec.options[name] : undefined;
      return o?.type === 'boolean' ? `${opt} takes no value` : `${opt} needs a value${o?.arg ? ` (${o.arg})` : ''}`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return 'unexpected argument';
    default:
      return err.message;
  }
}

/** `--name ARG`, bracketed unless required, `…` when repeatable. */
function synopsisOf(name: string, o: OptionSpec): string {
  const flag = `--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
  return `${o.required ? flag : `[${flag}]`}${o.multiple ? '…' : ''}`;
}

/** The one-line synopsis: `call NAME --id ME --manager HOST:PORT [--pings N] …` (no "pinhole "). */
export function commandSynopsis(spec: CommandSpec): string {
  const entries = Object.entries(spec.options).filter(([n]) => n !== 'help');
  const required = entries.filter(([, o]) => o.required).map(([n, o]) => synopsisOf(n, o));
  const optional = entries.filter(([, o]) => !o.required).map(([n, o]) => synopsisOf(n, o));
  return [spec.name, spec.positionals, ...required, ...optional].filter(Boolean).join(' ');
}

function describeDefault(o: OptionSpec): string {
  if (o.defaultText) return ` (default: ${o.defaultText})`;
  if (o.default === undefined || o.default === false || (Array.isArray(o.default) && o.default.length === 0)) return '';
  return ` (default: ${Array.isArray(o.default) ? o.default.join(', ') : String(o.default)})`;
}

/** What `pinhole <command> --help` prints (stdout, exit 0). */
export function commandHelp(spec: CommandSpec): string {
  const rows = Object.entries(spec.options)
    .filter(([n]) => n !== 'help')
    .map(([n, o]) => [`--${n}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}${o.multiple ? ' …' : ''}`, `${o.description}${o.required ? ' (required)' : ''}${describeDefault(o)}`]);
  const width = Math.min(28, Math.max(0, ...rows.map(([a]) => a.length)) + 2);
  return [
    `usage: pinhole ${commandSynopsis(spec)}`,
    '',
    wrap(spec.summary, 0),
    '',
    'options:',
    ...rows.map(([a, b]) => (a.length + 2 > width ? `  ${a}\n${' '.repeat(width + 2)}${wrapTail(b, width + 2)}` : `  ${a.padEnd(width)}${wrapTail(b, width + 2)}`)),
    `  ${'--help'.padEnd(width)}this text`,
    '',
    'global options:',
    GLOBAL_HELP,
    ...(spec.notes ?? []).flatMap((n) => ['', wrap(n, 0)]),
  ].join('\n');
}

/** `--help` of a command: its help on stdout; the exit code (0) to return. */
export function printHelp(spec: CommandSpec): number {
  process.stdout.write(commandHelp(spec) + '\n');
  return 0;
}

const COLUMNS = 100;

function wrap(text: string, indent: number): string {
  return wrapTail(text, indent).replace(/^/, ' '.repeat(indent));
}

/** Wraps at COLUMNS; continuation lines are indented by `indent`. */
function wrapTail(text: string, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/ +/)) {
    if (line && indent + line.length + 1 + word.length > COLUMNS) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join('\n' + ' '.repeat(indent));
}

/** A whole number within [min, max] from a flag's text; anything else is E_USAGE naming the flag. */
export function intFlag(command: string, flag: string, text: string | undefined, range: { min?: number; max?: number } = {}): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw usageError(command, `--${flag} ${JSON.stringify(text)} is not a whole number${range.min !== undefined || range.max !== undefined ? ` from ${min} to ${max}` : ''}`);
  return n;
}

/** A UDP/TCP port 0–65535 (0: any free one). */
export function portFlag(command: string, flag: string, text: string | undefined): number | undefined {
  return intFlag(command, flag, text, { min: 0, max: 65535 });
}
