import { randomBytes } from 'crypto';
import { formatAddress, decodeStun, encodeStun, SignalError, StunClass, StunMethod, type Candidate, type DatagramAddress } from '@pinhole/core';

type Send = (data: Buffer, port: number, address: string) => Promise<void>;

/**
 * STUN Binding transactions from the media socket (RFC 8489 §6.2.1 retransmission:
 * RTO 250 ms doubling), so the reflexive address is the one the firewall maps this socket to.
 */
export class StunClient {
  private readonly pending = new Map<string, (c: Candidate) => void>();

  constructor(private readonly send: Send) {}

  /** Feeds a datagram that looked like STUN; responses to our transactions resolve them. */
  handle(data: Buffer): void {
    let msg;
    try {
      msg = decodeStun(data);
    } catch {
      return; // malformed STUN is dropped without reply
    }
    if (msg.cls !== StunClass.Success || msg.method !== StunMethod.Binding) return;
    const key = msg.transactionId.toString('hex');
    const resolve = this.pending.get(key);
    const addr = msg.xorMappedAddress ?? msg.mappedAddress;
    if (resolve && addr) resolve({ address: addr.address, port: addr.port, kind: 'reflexive' });
  }

  async discover(server: DatagramAddress, opts: { username?: string; timeoutMs?: number } = {}): Promise<Candidate> {
    const timeoutMs = opts.timeoutMs ?? 3000;
    const transactionId = randomBytes(12);
    const key = transactionId.toString('hex');
    const request = encodeStun({ method: StunMethod.Binding, cls: StunClass.Request, transactionId, username: opts.username, fingerprint: true });
    return new Promise<Candidate>((resolve, reject) => {
      let rto = 250;
      let timer: NodeJS.Timeout;
      const deadline = setTimeout(() => {
        done();
        reject(new SignalError('E_STUN_TIMEOUT', `no STUN answer from ${formatAddress(server)} within ${timeoutMs} ms; check that the manager's UDP port is reachable (firewall allows outbound UDP)`));
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
      this.pending.set(key, (c) => {
        done();
        resolve(c);
      });
      transmit();
    });
  }
}
