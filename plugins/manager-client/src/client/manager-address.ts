import { ConfigError } from '@pinhole/core';

export interface ManagerAddress {
  transport: 'tcp' | 'ws';
  tls: boolean;
  host: string;
  port: number;
  /** The WebSocket URL (ws transport only). */
  url?: string;
  /** As given, for messages. */
  text: string;
}

/**
 * `HOST:PORT` or `tls://HOST:PORT` (TLS, length-prefixed frames), `wss://HOST:PORT[/path]`
 * (TLS WebSocket, spec ¶47: for firewalls that pass only HTTP), and — only with `insecure` —
 * the plain `tcp://HOST:PORT` and `ws://HOST:PORT[/path]`. A bare HOST:PORT is plain when
 * `insecure` is set (both ends debugging without TLS).
 */
export function parseManagerAddress(text: string, insecure = false): ManagerAddress {
  const bad = () =>
    new ConfigError('E_BAD_ADDRESS', `manager address "${text}": expected HOST:PORT, tls://HOST:PORT or wss://HOST:PORT (tcp:// and ws:// only with --insecure)`);
  const a = parse(text, bad, insecure);
  if (!a.tls && !insecure)
    throw new ConfigError('E_INSECURE_ADDRESS', `manager address "${text}" is plain text; use ${a.transport === 'ws' ? 'wss' : 'tls'}:// (the default), or pass --insecure to debug without TLS`);
  return a;
}

function parse(text: string, bad: () => Error, insecure: boolean): ManagerAddress {
  const scheme = /^([a-z]+):\/\//.exec(text)?.[1];
  if (scheme === 'ws' || scheme === 'wss') {
    let u: URL;
    try {
      u = new URL(text);
    } catch {
      throw bad();
    }
    const port = u.port ? Number(u.port) : scheme === 'wss' ? 443 : 80;
    return { transport: 'ws', tls: scheme === 'wss', host: u.hostname.replace(/^\[|\]$/g, ''), port, url: u.toString(), text };
  }
  if (scheme && scheme !== 'tcp' && scheme !== 'tls') throw bad();
  const rest = scheme ? text.slice(scheme.length + 3) : text;
  const m = /^(?:\[([^\]]+)\]|([^:/]+)):(\d{1,5})$/.exec(rest);
  if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) throw bad();
  const tls = scheme === 'tls' || (scheme === undefined && !insecure);
  return { transport: 'tcp', tls, host: m[1] ?? m[2], port: Number(m[3]), text };
}

/** How known_peers names a manager: `tls://HOST:PORT` (IPv6 in brackets), whatever the transport. */
export function managerPinName(a: ManagerAddress): string {
  return `tls://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
