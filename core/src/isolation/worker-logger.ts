import { notifyHost } from '@pinhole/sandbox';
import type { Logger } from '../log';

/** What the worker's logger sends; the host writes it to the plugin's logger. */
export interface LogRecord {
  level: 'event' | 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields?: Record<string, unknown>;
  scope?: string;
}

/** An isolated plugin's logger: every line goes to the host, which filters and writes it. */
export function workerLogger(scope?: string): Logger {
  const at = (level: LogRecord['level']) => (msg: string, fields?: Record<string, unknown>) => notifyHost('log', { level, msg, fields, scope } satisfies LogRecord);
  return {
    event: at('event'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (s) => workerLogger(scope ? `${scope}.${s}` : s),
  };
}

/** Writes a worker's log record to the plugin's logger in the host. */
export function writeLog(log: Logger, r: LogRecord): void {
  const target = r.scope ? log.child(r.scope) : log;
  const fields = r.fields && typeof r.fields === 'object' ? r.fields : undefined;
  if (r.level === 'event') target.event(String(r.msg), fields);
  else if (['debug', 'info', 'warn', 'error'].includes(r.level)) target[r.level](String(r.msg), fields);
}
