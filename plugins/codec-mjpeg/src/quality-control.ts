import type { MjpegOptions } from './options';

/**
 * JPEG has no bitrate knob, only quality: after each frame the quality moves toward the
 * per-frame byte budget, by about 6 steps per doubling of the error (JPEG size grows roughly
 * exponentially with quality in the middle of the range), at most 10 down or 4 up at a time.
 */
export class QualityControl {
  quality: number;
  constructor(private readonly o: MjpegOptions) {
    this.quality = clamp(o.startQuality, o.minQuality, o.maxQuality);
  }

  observe(bytes: number, budget: number): void {
    if (!(bytes > 0 && budget > 0)) return;
    const step = Math.round(6 * Math.log2(budget / bytes));
    this.quality = clamp(this.quality + Math.max(-10, Math.min(4, step)), this.o.minQuality, this.o.maxQuality);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
