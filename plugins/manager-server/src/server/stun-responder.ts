import * as dgram from 'dgram';
import { isIPv6 } from 'net';
import {
  bindingSuccess,
  decodeStun,
  encodeStun,
  isStunPacket,
  SignalError,
  STUN_DEFAULT_MAX_SIZE,
  StunClass,
  StunMethod,
  type DatagramAddress,
  type Logger,
  formatAddress,
} from '@pinhole/core';

export interface StunResponderOptions {
  host: string;
  port: number;
  /** A Binding request carried this USERNAME from `from`: tie it to a peer if it is a probe token. */
  onProbe(username: string, from: DatagramAddress): Promise<void>;
  log: Logger;
}

const SOFTWARE = 'pinhole manager';

/**
 * The manager's UDP side: a plain RFC 8489 Binding responder (any STUN client works), which
 * also learns each peer's reflexive address when its probe carries the probe token from
 * Registered. Every datagram is size-capped and validated before decoding; anything that is
 * not a well-formed Binding request is dropped without reply.
 */
export class StunResponder {
  readonly stats = { requests: 0, responses: 0, dropped: 0, probes: 0 };

  static async bind(opts: StunResponderOptions): Promise<StunResponder> {
    // An IPv6 --udp address (e.g. [::1]) needs a udp6 socket; ipv6Only keeps [::] from taking the IPv4 port too.
    const sock = dgram.createSocket({ type: isIPv6(opts.host) ? 'udp6' : 'udp4', ipv6Only: isIPv6(opts.host) && opts.host !== '::' });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', (err: NodeJS.ErrnoException) =>
        reject(new SignalError('E_LISTEN', `cannot bind STUN on udp ${opts.host}:${opts.port}: ${err.code ?? err.message}; pick another --udp address or port`)),
      );
      sock.bind(opts.port, opts.host, () => resolve());
    });
    return new StunResponder(sock, opts);
  }

  private constructor(private readonly sock: dgram.Socket, private readonly opts: StunResponderOptions) {
    sock.on('message', (msg, rinfo) => void this.onMessage(msg, rinfo));
    sock.on('error', (err) => opts.log.warn('STUN socket error', { error: err.message }));
  }

  address(): { host: string; port: number } {
    const a = this.sock.address();
    return { host: a.address, port: a.port };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.sock.close(() => resolve()));
  }

  private async onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
    if (msg.length > STUN_DEFAULT_MAX_SIZE || !isStunPacket(msg)) return void this.stats.dropped++;
    let req;
    try {
      req = decodeStun(msg);
    } catch {
      return void this.stats.dropped++;
    }
    if (req.method !== StunMethod.Binding || req.cls !== StunClass.Request) return void this.stats.dropped++;
    this.stats.requests++;
    const from = { address: rinfo.address, port: rinfo.port };
    if (req.unknownRequired.length) {
      // RFC 8489 §6.3.1.1: comprehension-required attributes we do not know get a 420 listing them.
      return this.send(
        encodeStun({ method: StunMethod.Binding, cls: StunClass.Error, transactionId: req.transactionId, errorCode: { code: 420, reason: 'Unknown Attribute' }, unknownAttributes: req.unknownRequired, software: SOFTWARE, fingerprint: true }),
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
    this.opts.log.debug('STUN binding answered', { from: formatAddress(from), probe: !!req.username });
    this.send(bindingSuccess(req, { family: rinfo.family === 'IPv6' ? 'IPv6' : 'IPv4', address: rinfo.address, port: rinfo.port }, SOFTWARE), from);
  }

  private send(data: Buffer, to: DatagramAddress): void {
    this.sock.send(data, to.port, to.address, (err) => {
      if (err) this.opts.log.debug('STUN answer not sent', { error: err.message });
      else this.stats.responses++;
    });
  }
}
