import { DatagramType, type HandshakeResponder, type HandshakeResult, type HandshakeStep, type ResponderParams } from '@pinhole/core';
import { HandshakeSide } from './handshake-side';
import { decodeHandshake, encodeHandshake, prologue, type HandshakeFrame } from './handshake-wire';
import { NoiseRun } from './noise-run';

/** XX attempts (distinct handshake ids) answered and waiting for msg 3. */
const MAX_PENDING = 4;

interface Answered {
  msg1: Buffer;
  reply: Buffer;
  run: NoiseRun;
}

/**
 * The callee's side. IK: msg 1 names the caller's key, which must pass checkInitiator before
 * anything is answered; the answer (msg 2) completes the handshake. XX: msg 1 is anonymous, so a
 * few attempts may be answered at once; the caller's key arrives in msg 3 and is checked then.
 * A repeated, identical msg 1 gets the cached answer (the first may have been lost); any other
 * message is dropped and counted.
 */
export class NoiseResponder extends HandshakeSide implements HandshakeResponder {
  result?: HandshakeResult;
  private readonly prologue: Buffer;
  private readonly pending = new Map<number, Answered>();
  private done?: Answered;

  constructor(private readonly p: ResponderParams) {
    super();
    this.prologue = prologue(p.callId, p.remoteEndpoint, p.localEndpoint);
  }

  receive(datagram: Buffer): HandshakeStep {
    const f = decodeHandshake(datagram);
    if (!f) return this.drop('malformed');
    if (f.dst !== this.p.localEndpoint || f.src !== this.p.remoteEndpoint) return this.drop('ids');
    if (f.type !== DatagramType.HANDSHAKE_INIT) return this.drop('unexpected');
    if (f.message === 1) return this.first(f, datagram);
    if (f.message === 3 && f.pattern === 'XX') return this.third(f);
    return this.drop('unexpected');
  }

  private first(f: HandshakeFrame, datagram: Buffer): HandshakeStep {
    const known = this.done ?? this.pending.get(f.id);
    if (known) return known.msg1.equals(datagram) ? { reply: known.reply } : this.drop('unexpected');
    if (this.pending.size >= MAX_PENDING || !this.attempt()) return this.drop('limit');
    const run = new NoiseRun(f.pattern, false, this.p, this.prologue);
    if (!run.tryRecv(f.noise)) return this.abandon(run, 'decrypt');
    if (f.pattern === 'IK' && !this.p.checkInitiator(new Uint8Array(run.remoteKey!))) return this.abandon(run, 'refused');
    const answered: Answered = { msg1: Buffer.from(datagram), reply: this.answer(f, run.send()), run };
    if (f.pattern === 'XX') {
      this.pending.set(f.id, answered);
      return { reply: answered.reply };
    }
    return { reply: answered.reply, result: this.finish(answered) };
  }

  private third(f: HandshakeFrame): HandshakeStep {
    const answered = this.pending.get(f.id);
    if (this.done || !answered) return this.drop('unexpected');
    if (!this.attempt()) return this.drop('limit');
    if (!answered.run.tryRecv(f.noise)) return this.drop('decrypt');
    if (!this.p.checkInitiator(new Uint8Array(answered.run.remoteKey!))) {
      answered.run.undo();
      return this.drop('refused');
    }
    return { result: this.finish(answered) };
  }

  private answer(f: HandshakeFrame, noise: Buffer): Buffer {
    return encodeHandshake(DatagramType.HANDSHAKE_RESP, this.p.remoteEndpoint, this.p.localEndpoint, f.pattern, 2, f.id, noise);
  }

  private finish(answered: Answered): HandshakeResult {
    this.done = answered;
    for (const other of this.pending.values()) if (other !== answered) other.run.dispose();
    this.pending.clear();
    return (this.result = answered.run.result());
  }

  private abandon(run: NoiseRun, reason: 'decrypt' | 'refused'): HandshakeStep {
    run.dispose();
    return this.drop(reason);
  }
}
