/**
 * Structured logging: quiet by default, human lines on a terminal, NDJSON with --json.
 * `event` is for things a user or a script follows (manager.ready, call.ready …);
 * debug/info/warn/error are diagnostics filtered by level.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  event(name: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}
export const Logger = Symbol('Logger');

export interface LoggerOptions {
  json?: boolean;
  level?: LogLevel;
  /** Where lines go; defaults to stdout for events and stderr for diagnostics. */
  write?: (line: string, stream: 'out' | 'err') => void;
  scope?: string;
  /** Events are printed unless silenced (a library embedding the host may not want them). */
  events?: boolean;
}

function defaultWrite(line: string, stream: 'out' | 'err'): void {
  (stream === 'out' ? process.stdout : process.stderr).write(line + '\n');
}

function human(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'warn';
  const write = opts.write ?? defaultWrite;
  const scope = opts.scope;
  const emit = (kind: string, stream: 'out' | 'err', text: string, fields: Record<string, unknown> = {}) => {
    if (opts.json) {
      const base = kind === 'event' ? { event: text } : { level: kind, msg: text };
      write(JSON.stringify({ ts: new Date().toISOString(), ...(scope ? { scope } : {}), ...base, ...fields }), stream);
    } else {
      const rest = human(fields);
      write(`${kind === 'event' ? '' : `[${kind}] `}${scope && kind !== 'event' ? `${scope}: ` : ''}${text}${rest ? ' ' + rest : ''}`, stream);
    }
  };
  const at = (l: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[l] >= ORDER[level]) emit(l, 'err', msg, fields);
  };
  return {
    event: (name, fields) => {
      if (opts.events !== false) emit('event', 'out', name, fields);
    },
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (s) => createLogger({ ...opts, scope: scope ? `${scope}.${s}` : s }),
  };
}
