import type { HandshakeDropReason, HandshakeStep } from '@pinhole/core';

/** Noise attempts one handshake object makes at most (each costs a few scalar multiplications). */
export const MAX_ATTEMPTS = 64;

/** Drop counting shared by both handshake sides. */
export abstract class HandshakeSide {
  readonly drops: Record<HandshakeDropReason, number> = { malformed: 0, ids: 0, unexpected: 0, decrypt: 0, refused: 0, limit: 0 };
  protected attempts = 0;

  protected drop(reason: HandshakeDropReason): HandshakeStep {
    this.drops[reason]++;
    return { dropped: reason };
  }

  /** Counts one Noise attempt; false once the budget is spent. */
  protected attempt(): boolean {
    return ++this.attempts <= MAX_ATTEMPTS;
  }
}
