import { formatHostPort } from '@pinhole/core';
import { TurnError } from './errors';

export type TurnTransportKind = 'udp' | 'tcp' | 'tls';

export interface TurnServerAddress {
  transport: TurnTransportKind;
  host: string;
  port: number;
  /** As given, for messages. */
  text: string;
}

/**
 * RFC 7065 TURN URIs: `turn:HOST[:PORT][?transport=udp|tcp]` (default UDP, port 3478) and
 * `turns:HOST[:PORT]` (TLS over TCP, port 5349). IPv6 hosts go in brackets.
 */
export function parseTurnUri(uri: string): TurnServerAddress {
  const m = /^(turns?):(?:\[([^\]]+)\]|([^:?/\[\]]+))(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/i.exec(uri.trim());
  if (!m) throw TurnError.BAD_URI(uri, 'not a TURN URI');
  const secure = m[1].toLowerCase() === 'turns';
  const requested = m[5]?.toLowerCase() as 'udp' | 'tcp' | undefined;
  if (secure && requested === 'udp') throw TurnError.BAD_URI(uri, 'turns: runs over TLS; DTLS (transport=udp) is not supported');
  const port = m[4] ? Number(m[4]) : secure ? 5349 : 3478;
  if (port < 1 || port > 65535) throw TurnError.BAD_URI(uri, `port ${port} is not 1-65535`);
  const host = m[2] ?? m[3];
  return { transport: secure ? 'tls' : (requested ?? 'udp'), host, port, text: `${secure ? 'turns' : 'turn'}:${formatHostPort(host, port)}${!secure && requested === 'tcp' ? '?transport=tcp' : ''}` };
}
