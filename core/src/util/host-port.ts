import { ConfigError } from '../errors';
import { formatHostPort } from '../wire/ip';

/** Parses HOST:PORT (or [V6]:PORT) for a command-line flag; the error names the flag and the form. */
export function parseHostPort(value: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError('E_BAD_ADDRESS', `${flag} ${value}: expected HOST:PORT (e.g. 0.0.0.0:8080; port 0 picks a free one)`);
  return { host: m[1] ?? m[2], port };
}

/** `--stun-alt`: `off`, `PORT` (same address as --udp) or `HOST:PORT` (a second address: RFC 5780 change-IP tests). */
export function parseStunAlternate(value: string): { host?: string; port: number } {
  const v = value.trim();
  if (v === 'off') return { port: -1 };
  if (/^\d{1,5}$/.test(v) && Number(v) <= 65535) return { port: Number(v) };
  try {
    return parseHostPort(v, '--stun-alt');
  } catch {
    throw new ConfigError('E_BAD_ADDRESS', `--stun-alt ${value}: expected off, PORT or HOST:PORT (e.g. 3479, or 192.0.2.2:3479 for a second address)`);
  }
}

/** An address object ({ address, port }) as HOST:PORT, IPv6 in brackets. */
export function formatAddress(a: { address: string; port: number }): string {
  return formatHostPort(a.address, a.port);
}
