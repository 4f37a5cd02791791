import { randomBytes } from 'crypto';
import {
  decodeStun,
  encodeStun,
  formatHostPort,
  SignalError,
  StunClass,
  StunMethod,
  unmapIPv4,
  type Candidate,
  type DatagramAddress,
  type StunFields,
  type StunMessage,
} from '@pinhole/core';

type Send = (data: Buffer, port: number, address: string) => Promise<void>;

export interface StunRequestOptions {
  username?: string;
  changeRequest?: StunFields['changeRequest'];
  timeoutMs?: number;
}

/** A Binding answer (success or error) and the address it came from. */
export interface StunAnswer {
  message: StunMessage;
  from: DatagramAddress;
}

/**
 * STUN Binding transactions from the media socket (RFC 8489 §6.2.1 retransmission:
 * RTO 250 ms doubling), so the reflexive address is the one the firewall maps this socket to.
 */
export class StunClient {
  private readonly pending = new Map<string, (a: StunAnswer) => void>();

  constructor(private readonly send: Send) {}

  /** Feeds a datagram that looked like STUN; answers to our transactions resolve them. */
  handle(data: Buffer, from: DatagramAddress): void {
    let message;
    try {
      message = decodeStun(data);
    } catch {
      return; // malformed STUN is dropped without reply
    }
    if ((message.cls !== StunClass.Success && message.cls !== StunClass.Error) || message.method !== StunMethod.Binding) return;
    this.pending.get(message.transactionId.toString('hex'))?.({ message, from: { address: unmapIPv4(from.address), port: from.port } });
  }

  /** One Binding transaction; rejects with E_STUN_TIMEOUT when nothing answers within timeoutMs. */
  request(server: DatagramAddress, opts: StunRequestOptions = {}): Promise<StunAnswer> {
    const timeoutMs = opts.timeoutMs ?? 3000;
    const transactionId = randomBytes(12);
    const key = transactionId.toString('hex');
    const request = encodeStun({ method: StunMethod.Binding, cls: StunClass.Request, transactionId, username: opts.username, changeRequest: opts.changeRequest, fingerprint: true });
    return new Promise<StunAnswer>((resolve, reject) => {
      let rto = 250;
      let timer: NodeJS.Timeout;
      const deadline = setTimeout(() => {
        done();
        reject(new SignalError('E_STUN_TIMEOUT', `no STUN answer from ${formatHostPort(server.address, server.port)} within ${timeoutMs} ms; check that the manager's UDP port is reachable (firewall allows outbound UDP)`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        clearTimeout(deadline);
        this.pending.delete(key);
      };
      const transmit = () => {
        this.send(request, server.port, server.address).catch(() => undefined);
        timer = setTimeout(transmit, (rto = Math.min(rto * 2, 1600)));
      };
      this.pending.set(key, (a) => {
        done();
        resolve(a);
      });
      transmit();
    });
  }

  /** The reflexive address: a Binding success's (XOR-)MAPPED-ADDRESS. */
  async discover(server: DatagramAddress, opts: { username?: string; timeoutMs?: number } = {}): Promise<Candidate> {
    const { message } = await this.request(server, opts);
    const addr = message.xorMappedAddress ?? message.mappedAddress;
    if (message.cls !== StunClass.Success || !addr) {
      throw new SignalError('E_STUN_REFUSED', `the STUN server at ${formatHostPort(server.address, server.port)} answered ${message.errorCode ? `${message.errorCode.code} ${message.errorCode.reason}` : 'without a mapped address'}`);
    }
    return { address: addr.address, port: addr.port, kind: 'reflexive' };
  }
}
