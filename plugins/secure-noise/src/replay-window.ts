/**
 * Anti-replay sliding window in the style of RFC 6479: a ring of 32-bit blocks, cleared a whole
 * block at a time as the window slides, so checking and recording are O(1) however far the
 * counter jumps. Accepts each counter once, if it is newer than the highest seen minus WINDOW.
 */
export const REPLAY_WINDOW = 2048;
const BITS = 32;
/** One block more than the window needs, so the block being filled never evicts a live one. */
const BLOCKS = REPLAY_WINDOW / BITS + 1;

export class ReplayWindow {
  private readonly ring = new Uint32Array(BLOCKS);
  /** Highest counter recorded; -1 before the first. */
  private top = -1;

  /** Whether `counter` would be accepted (not seen, not too old). Records nothing. */
  fresh(counter: number): boolean {
    if (counter > this.top) return true;
    if (this.top - counter >= REPLAY_WINDOW) return false;
    return (this.ring[Math.floor(counter / BITS) % BLOCKS] & (1 << counter % BITS)) === 0;
  }

  /** Records an authenticated counter (call only after fresh() and a successful decrypt). */
  record(counter: number): void {
    if (counter > this.top) {
      const topBlock = Math.floor(this.top / BITS);
      const steps = Math.min(Math.floor(counter / BITS) - topBlock, BLOCKS);
      for (let i = 1; i <= steps; i++) this.ring[(topBlock + i) % BLOCKS] = 0;
      this.top = counter;
    }
    this.ring[Math.floor(counter / BITS) % BLOCKS] |= 1 << counter % BITS;
  }
}
