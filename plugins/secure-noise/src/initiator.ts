import { randomBytes } from 'crypto';
import { DatagramType, type HandshakeInitiator, type HandshakeResult, type HandshakeStep, type InitiatorParams } from '@pinhole/core';
import { HandshakeSide } from './handshake-side';
import { decodeHandshake, encodeHandshake, prologue, type Pattern } from './handshake-wire';
import { NoiseRun } from './noise-run';

/**
 * The caller's side: IK when it knows the callee's key (one round trip: msg 1 is the probe,
 * msg 2 the answer), XX otherwise (msg 3 follows msg 2). `message` never changes, so the probe
 * can be re-sent as is; a spoofed or altered answer is dropped without spoiling the handshake.
 */
export class NoiseInitiator extends HandshakeSide implements HandshakeInitiator {
  readonly pattern: Pattern;
  readonly message: Buffer;
  result?: HandshakeResult;
  private readonly run: NoiseRun;
  private readonly id = randomBytes(4).readUInt32BE(0);
  /** XX: the answer taken and our msg 3, so a repeated answer gets msg 3 again. */
  private answered?: { msg2: Buffer; msg3: Buffer };

  constructor(private readonly p: InitiatorParams) {
    super();
    this.pattern = p.remotePublicKey ? 'IK' : 'XX';
    this.run = new NoiseRun(this.pattern, true, p, prologue(p.callId, p.localEndpoint, p.remoteEndpoint), p.remotePublicKey);
    this.message = encodeHandshake(DatagramType.HANDSHAKE_INIT, p.remoteEndpoint, p.localEndpoint, this.pattern, 1, this.id, this.run.send());
  }

  receive(datagram: Buffer): HandshakeStep {
    const f = decodeHandshake(datagram);
    if (!f) return this.drop('malformed');
    if (f.dst !== this.p.localEndpoint || f.src !== this.p.remoteEndpoint) return this.drop('ids');
    if (f.type !== DatagramType.HANDSHAKE_RESP || f.pattern !== this.pattern || f.message !== 2 || f.id !== this.id) return this.drop('unexpected');
    if (this.result) return this.answered?.msg2.equals(datagram) ? { reply: this.answered.msg3 } : this.drop('unexpected');
    if (!this.attempt()) return this.drop('limit');
    if (!this.run.tryRecv(f.noise)) return this.drop('decrypt');
    let reply: Buffer | undefined;
    if (this.pattern === 'XX') {
      if (this.p.checkResponder && !this.p.checkResponder(new Uint8Array(this.run.remoteKey!))) {
        this.run.undo();
        return this.drop('refused');
      }
      reply = encodeHandshake(DatagramType.HANDSHAKE_INIT, this.p.remoteEndpoint, this.p.localEndpoint, 'XX', 3, this.id, this.run.send());
      this.answered = { msg2: Buffer.from(datagram), msg3: reply };
    }
    this.result = this.run.result();
    return { result: this.result, reply };
  }
}
