import { inject, injectable } from 'inversify';
import { parseTurnUri, turnRestCredentials } from '@pinhole/core';
import type { TurnCredentials } from './auth';
import { RelayTurnOptions } from './options';
import { RelayDatagramSocket } from './relay-socket';
import { openStream } from './transport/stream';
import type { TurnTransport } from './transport/types';
import { openUdp } from './transport/udp';
import { TurnClient } from './turn-client';

/** A TURN server as the manager advertises it (phase 2) or a config names it. */
export interface TurnServerSpec {
  /** turn:HOST:PORT[?transport=udp|tcp] or turns:HOST:PORT */
  uri: string;
  /** Given credentials, or `secret` + `user` to mint coturn REST credentials here. */
  username?: string;
  password?: string;
  secret?: string;
  user?: string;
  /** TLS: trusted CA certificates (PEM) and the name the certificate must carry. */
  ca?: string | Buffer;
  servername?: string;
}

/** REST credentials live this long when minted here (the allocation is refreshed with them). */
const MINTED_TTL_S = 24 * 3600;

/** Opens TURN allocations: parses the URI, connects the transport, allocates (services: DESIGN.md §A). */
@injectable()
export class TurnAllocator {
  constructor(@inject(RelayTurnOptions) private readonly o: RelayTurnOptions) {}

  /** Allocates on `spec`; `timeoutMs` bounds the connection and each transaction of this attempt (default: the options'). */
  async allocate(spec: TurnServerSpec, timeoutMs?: number): Promise<TurnClient> {
    const server = parseTurnUri(spec.uri);
    const credentials = credentialsOf(spec);
    const o = timeoutMs ? { ...this.o, requestTimeoutMs: Math.min(this.o.requestTimeoutMs, timeoutMs), connectTimeoutMs: Math.min(this.o.connectTimeoutMs, timeoutMs) } : this.o;
    const transport: TurnTransport =
      server.transport === 'udp'
        ? await openUdp(server, o.maxMessageBytes)
        : await openStream(server, { maxMessageBytes: o.maxMessageBytes, connectTimeoutMs: o.connectTimeoutMs, ca: spec.ca, servername: spec.servername });
    return TurnClient.allocate(server, transport, credentials, o);
  }

  /** An allocation as a datagram socket (the relayed path). */
  async socket(spec: TurnServerSpec, timeoutMs?: number): Promise<RelayDatagramSocket> {
    return new RelayDatagramSocket(await this.allocate(spec, timeoutMs));
  }
}

function credentialsOf(spec: TurnServerSpec): TurnCredentials {
  if (spec.username !== undefined && spec.password !== undefined) return { username: spec.username, password: spec.password };
  if (spec.secret) {
    const c = turnRestCredentials(spec.secret, spec.user ?? 'pinhole', MINTED_TTL_S);
    return { username: c.username, password: c.password };
  }
  return { username: '', password: '' };
}
