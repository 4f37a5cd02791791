import * as dgram from 'dgram';
import { isIPv6 } from 'net';
import {
  bindingSuccess,
  decodeStun,
  encodeStun,
  formatHostPort,
  ipFamily,
  isStunPacket,
  SignalError,
  STUN_DEFAULT_MAX_SIZE,
  StunAttr,
  StunClass,
  StunMethod,
  unmapIPv4,
  type DatagramAddress,
  type Logger,
  type StunAddress,
  type StunFields,
} from '@pinhole/core';

export interface StunResponderOptions {
  host: string;
  port: number;
  /**
   * RFC 5780 alternate port (a second socket, so a client can tell whether its NAT maps and filters
   * per destination port); undefined: none. 0 picks a free port.
   */
  altPort?: number;
  /** RFC 5780 alternate address of this host (change-IP tests); needs a specific `host` and `altPort`. */
  altHost?: string;
  /** A Binding request carried this USERNAME from `from`: tie it to a peer if it is a probe token. */
  onProbe(username: string, from: DatagramAddress): Promise<void>;
  log: Logger;
}

const SOFTWARE = 'pinhole manager';
/** Attributes a Binding request may carry that this responder understands (anything else required: 420). */
const UNDERSTOOD = new Set<number>([StunAttr.Username, StunAttr.ChangeRequest, StunAttr.ResponsePort]);

interface Endpoint {
  sock: dgram.Socket;
  /** 0: primary address, 1: alternate address. */
  ip: 0 | 1;
  /** 0: primary port, 1: alternate port. */
  port: 0 | 1;
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';

/**
 * The manager's UDP side: a plain RFC 8489 Binding responder (any STUN client works), which
 * also learns each peer's reflexive address when its probe carries the probe token from
 * Registered. With an alternate port (and address) it is an RFC 5780 server: it answers from
 * the other port/address on CHANGE-REQUEST and names them in OTHER-ADDRESS, so a peer can
 * classify its NAT's mapping and filtering. Every datagram is size-capped and validated before
 * decoding; anything that is not a well-formed Binding request is dropped without reply.
 */
export class StunResponder {
  readonly stats = { requests: 0, responses: 0, dropped: 0, probes: 0, changed: 0 };

  static async bind(opts: StunResponderOptions): Promise<StunResponder> {
    if (opts.altHost !== undefined) {
      if (isWildcard(opts.host) || isWildcard(opts.altHost)) {
        throw new SignalError('E_LISTEN', `a second STUN address (${opts.altHost}) needs specific addresses for both, not ${opts.host}: a wildcard socket would answer from either`);
      }
      if (ipFamily(opts.altHost) !== ipFamily(opts.host)) throw new SignalError('E_LISTEN', `STUN addresses ${opts.host} and ${opts.altHost} must be of one family`);
    }
    const endpoints: Endpoint[] = [];
    try {
      const primary = await bindSocket(opts.host, opts.port);
      endpoints.push({ sock: primary, ip: 0, port: 0 });
      if (opts.altPort !== undefined) {
        // A fixed alternate port is taken as given; port 0 asks the kernel for one, used on both addresses.
        const alt = await bindSocket(opts.host, opts.altPort);
        endpoints.push({ sock: alt, ip: 0, port: 1 });
        if (opts.altHost !== undefined) {
          endpoints.push({ sock: await bindSocket(opts.altHost, primary.address().port), ip: 1, port: 0 });
          endpoints.push({ sock: await bindSocket(opts.altHost, alt.address().port), ip: 1, port: 1 });
        }
      }
    } catch (err) {
      await Promise.all(endpoints.map((e) => closeSocket(e.sock)));
      throw err;
    }
    return new StunResponder(endpoints, opts);
  }

  private constructor(private readonly endpoints: Endpoint[], private readonly opts: StunResponderOptions) {
    for (const e of endpoints) {
      e.sock.on('message', (msg, rinfo) => void this.onMessage(e, msg, rinfo));
      e.sock.on('error', (err) => opts.log.warn('STUN socket error', { error: err.message }));
    }
  }

  /** The primary STUN address. */
  address(): { host: string; port: number } {
    const a = this.endpoints[0].sock.address();
    return { host: a.address, port: a.port };
  }

  /** The RFC 5780 alternate (other port, and other address when configured), if any. */
  alternate(): { host: string; port: number } | undefined {
    const e = this.endpoints.find((x) => x.port === 1 && x.ip === (this.endpoints.length > 2 ? 1 : 0));
    if (!e) return undefined;
    const a = e.sock.address();
    return { host: a.address, port: a.port };
  }

  close(): Promise<void> {
    return Promise.all(this.endpoints.map((e) => closeSocket(e.sock))).then(() => undefined);
  }

  private async onMessage(at: Endpoint, msg: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
    if (msg.length > STUN_DEFAULT_MAX_SIZE || !isStunPacket(msg)) return void this.stats.dropped++;
    let req;
    try {
      req = decodeStun(msg);
    } catch {
      return void this.stats.dropped++;
    }
    if (req.method !== StunMethod.Binding || req.cls !== StunClass.Request) return void this.stats.dropped++;
    this.stats.requests++;
    const from = { address: unmapIPv4(rinfo.address), port: rinfo.port };
    const unknown = req.attributes.map((a) => a.type).filter((t) => t < 0x8000 && !UNDERSTOOD.has(t) && t !== StunAttr.MessageIntegrity && t !== StunAttr.MessageIntegritySha256);
    // RFC 5780 §7.2: a change this server cannot make is answered like an unknown attribute.
    const change = req.changeRequest;
    const answerFrom = change ? this.endpoints.find((e) => e.ip === (at.ip ^ +change.changeIp) && e.port === (at.port ^ +change.changePort)) : at;
    if (!answerFrom && change) unknown.push(StunAttr.ChangeRequest);
    if (unknown.length || !answerFrom) {
      // RFC 8489 §6.3.1.1: comprehension-required attributes we do not know get a 420 listing them.
      return this.send(
        at.sock,
        encodeStun({ method: StunMethod.Binding, cls: StunClass.Error, transactionId: req.transactionId, errorCode: { code: 420, reason: 'Unknown Attribute' }, unknownAttributes: [...new Set(unknown)], software: SOFTWARE, fingerprint: true }),
        from,
      );
    }
    if (req.username) {
      // Recorded before answering, so the peer's directory entry has its reflexive address once it has its answer.
      try {
        await this.opts.onProbe(req.username, from);
        this.stats.probes++;
      } catch (err) {
        this.opts.log.warn('could not record a reflexive address', { error: (err as Error).message });
      }
    }
    if (answerFrom !== at) this.stats.changed++;
    this.opts.log.debug('STUN binding answered', { from: formatHostPort(from.address, from.port), probe: !!req.username, changed: answerFrom !== at });
    const seen: StunAddress = { family: ipFamily(from.address) ?? 'IPv4', address: from.address, port: from.port };
    // RFC 5780 RESPONSE-PORT: another port of the same address (never another address: no reflection).
    const to = req.responsePort ? { address: from.address, port: req.responsePort } : from;
    this.send(answerFrom.sock, bindingSuccess(req, seen, SOFTWARE, this.alternates(at, answerFrom)), to);
  }

  /**
   * RESPONSE-ORIGIN, and where the other side is: OTHER-ADDRESS when there is a second address (RFC 5780
   * clients then run all their tests), else our ALTERNATE-PORT alone (a standard client asked to believe
   * in a second address would ask for changes of address we cannot make).
   */
  private alternates(at: Endpoint, answerFrom: Endpoint): StunFields {
    if (this.endpoints.length === 1) return {};
    const responseOrigin = stunAddress(answerFrom.sock);
    const other = this.endpoints.find((e) => e.ip !== at.ip && e.port !== at.port);
    if (other) return { responseOrigin, otherAddress: stunAddress(other.sock) };
    return { responseOrigin, alternatePort: this.endpoints.find((e) => e.port !== at.port)!.sock.address().port };
  }

  private send(sock: dgram.Socket, data: Buffer, to: DatagramAddress): void {
    sock.send(data, to.port, to.address, (err) => {
      if (err) this.opts.log.debug('STUN answer not sent', { error: err.message });
      else this.stats.responses++;
    });
  }
}

/**
 * The socket's bound address. A wildcard bind cannot know which local address a request reached, so
 * it is sent as the wildcard; clients read an unspecified address as "the address you sent to".
 */
function stunAddress(sock: dgram.Socket): StunAddress {
  const a = sock.address();
  const address = unmapIPv4(a.address);
  return { family: ipFamily(address) ?? 'IPv4', address, port: a.port };
}

/** IPv6 hosts get a udp6 socket; `::` is dual-stack, so IPv4 peers reach it too. */
async function bindSocket(host: string, port: number): Promise<dgram.Socket> {
  const sock = dgram.createSocket({ type: ipFamily(host) === 'IPv6' ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', (err: NodeJS.ErrnoException) => {
      sock.close();
      reject(new SignalError('E_LISTEN', `cannot bind STUN on udp ${formatHostPort(host, port)}: ${err.code ?? err.message}; pick another --udp/--stun-alt address or port`));
    });
    sock.bind(port, host, () => resolve());
  });
  sock.removeAllListeners('error');
  return sock;
}

function closeSocket(sock: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      sock.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
