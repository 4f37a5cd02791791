/** Overshoots this close to 1 are not worth a skipped frame: the encoder follows the next rate change anyway. */
const DEAD_BAND = 0.95;

/**
 * Decides which source frames to encode so that a share of them leaves, spread evenly: each
 * source frame adds the share to a credit and a frame goes when a whole frame's credit is there.
 * The credit keeps at most one spare frame, so a share that comes back to 1 sends every frame
 * (capping it at 1 instead would skip every other frame at a share of 0.99).
 */
export class FrameDecimator {
  private credit = 0;

  /** `share` = frames wanted / source frames (≤ 1): the encoder's frame rate over the source's, times how far the encoder's bitrate is above the target. */
  admit(share: number): boolean {
    const s = share >= DEAD_BAND ? 1 : Math.max(0, share);
    this.credit = Math.min(2, this.credit + s);
    if (this.credit < 1 - 1e-9) return false;
    this.credit -= 1;
    return true;
  }

}
