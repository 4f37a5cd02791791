import { randomBytes } from 'crypto';
import { StunClass, verifyMessageIntegrity, type StunMessage } from '@pinhole/core';
import { TurnError } from './errors';
import type { TurnTransport } from './transport/types';

interface Pending {
  what: string;
  /** The key this request was signed with: a success answer must carry integrity under it. */
  key?: Buffer;
  resolve(m: StunMessage): void;
  reject(e: Error): void;
  timers: NodeJS.Timeout[];
}

/**
 * Request/response matching by transaction id, with RFC 8489 §6.2.1 retransmission over UDP
 * (RTO 250 ms, doubling, capped at 3.2 s) and a single send over TCP/TLS. A success answer to a
 * signed request that does not carry valid integrity is ignored (spoofed or corrupted): the
 * transaction keeps waiting for the real one.
 */
export class Transactions {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly transport: TurnTransport,
    private readonly server: string,
    private readonly timeoutMs: number,
  ) {}

  /** Sends `build(txid)` and resolves with the server's answer (success or error class). */
  request(build: (transactionId: Buffer) => Buffer, what: string, key?: Buffer): Promise<StunMessage> {
    const transactionId = randomBytes(12);
    const id = transactionId.toString('hex');
    const frame = build(transactionId);
    return new Promise<StunMessage>((resolve, reject) => {
      const p: Pending = { what, key, resolve, reject, timers: [] };
      this.pending.set(id, p);
      p.timers.push(setTimeout(() => this.settle(id, TurnError.TIMEOUT(this.server, what, this.timeoutMs)), this.timeoutMs));
      let rto = 250;
      const transmit = () => {
        this.transport.send(frame);
        if (this.transport.reliable) return;
        p.timers.push(setTimeout(transmit, rto));
        rto = Math.min(rto * 2, 3200);
      };
      transmit();
    });
  }

  /** An answer from the server; true if it belonged to a transaction. */
  handle(msg: StunMessage, raw: Buffer): boolean {
    const id = msg.transactionId.toString('hex');
    const p = this.pending.get(id);
    if (!p) return false;
    if (p.key && msg.cls === StunClass.Success && !verifyMessageIntegrity(raw, p.key)) return true; // not from the server: wait on
    this.settle(id, undefined, msg);
    return true;
  }

  /** Fails every open transaction (the connection is gone). */
  failAll(err: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id, err);
  }

  private settle(id: string, err?: Error, msg?: StunMessage): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    for (const t of p.timers) clearTimeout(t);
    if (err) p.reject(err);
    else p.resolve(msg!);
  }
}
