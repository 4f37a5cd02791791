import { levelDbov, MIN_DBOV } from './level';

export interface VadOptions {
  frameMs: number;
  /** Speech is this far above the noise floor. */
  thresholdDb: number;
  /** Frames this quiet are silence whatever the floor (dBov). */
  absoluteFloorDb: number;
  /** Speech keeps going this long after the last loud frame, so word endings are not clipped. */
  hangoverMs: number;
  /** How fast the floor may creep up (dB/s); it falls at once to a quieter frame. */
  floorRiseDbPerSec: number;
}
export const DEFAULT_VAD: Omit<VadOptions, 'frameMs'> = { thresholdDb: 10, absoluteFloorDb: -60, hangoverMs: 200, floorRiseDbPerSec: 2 };

export interface VadDecision {
  speech: boolean;
  levelDb: number;
  /** Level of the background noise (mean power of recent silent frames), for comfort noise. */
  noiseDb: number;
}

/**
 * Energy voice activity detector: a frame is speech when it stands thresholdDb above a tracked
 * noise floor (minimum-following, slow to rise) and above an absolute floor, with hang-over.
 */
export class VoiceActivityDetector {
  private readonly o: VadOptions;
  private floor: number | undefined;
  private noisePower: number | undefined;
  private hang = 0;

  constructor(opts: Partial<VadOptions> & { frameMs: number }) {
    this.o = { ...DEFAULT_VAD, ...opts };
  }

  process(frame: Int16Array): VadDecision {
    const level = levelDbov(frame);
    const rise = (this.o.floorRiseDbPerSec * this.o.frameMs) / 1000;
    // Start from the absolute floor, not the first frame: a talker who starts at once must not
    // become the noise floor.
    const floor = this.floor ?? this.o.absoluteFloorDb;
    this.floor = level < floor ? level : Math.min(level, floor + rise);
    const loud = level > this.o.absoluteFloorDb && level > this.floor + this.o.thresholdDb;
    if (loud) this.hang = Math.ceil(this.o.hangoverMs / this.o.frameMs);
    else if (this.hang > 0) this.hang--;
    const speech = loud || this.hang > 0;
    if (!speech) {
      const p = 10 ** (level / 10);
      this.noisePower = this.noisePower === undefined ? p : 0.8 * this.noisePower + 0.2 * p;
    }
    const noiseDb = this.noisePower === undefined ? MIN_DBOV : Math.max(MIN_DBOV, 10 * Math.log10(this.noisePower));
    return { speech, levelDb: level, noiseDb };
  }
}
