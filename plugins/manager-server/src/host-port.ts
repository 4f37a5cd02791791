import { ConfigError } from '@pinhole/core';

/** Parses HOST:PORT (or [V6]:PORT) for a command-line flag; the error names the flag and the form. */
export function parseHostPort(value: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError('E_BAD_ADDRESS', `${flag} ${value}: expected HOST:PORT (e.g. 0.0.0.0:8080; port 0 picks a free one)`);
  return { host: m[1] ?? m[2], port };
}

/** HOST:PORT with an IPv6 host in brackets, as every address is printed. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
