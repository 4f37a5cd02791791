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
 * `HOST:PORT` (raw TCP frames), `tls://HOST:PORT`, `ws://HOST:PORT[/path]` or
 * `wss://HOST:PORT[/path]` (WebSocket, spec ¶47: for firewalls that pass only HTTP).
 */
export function parseManagerAddress(text: string): ManagerAddress {
  const bad = () =>
    new ConfigError('E_BAD_ADDRESS', `manager address "${text}": expected HOST:PORT, tls://HOST:PORT, ws://HOST:PORT or wss://HOST:PORT`);
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
  return { transport: 'tcp', tls: scheme === 'tls', host: m[1] ?? m[2], port: Number(m[3]), text };
}
