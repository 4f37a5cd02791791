import { VoiceError } from '@pinhole/core';
import { MIN_DBOV } from './level';

/** RFC 3389 §3: one byte, the noise level in −dBov (0–127). */
export function encodeNoiseLevel(dbov: number): Buffer {
  return Buffer.from([Math.max(0, Math.min(127, Math.round(-dbov)))]);
}

export function decodeNoiseLevel(payload: Uint8Array): number {
  if (payload.length < 1) throw new VoiceError('E_VOICE_PACKET', 'comfort-noise payload is empty; RFC 3389 needs the noise level byte');
  return -(payload[0] & 0x7f);
}

/**
 * White noise at a given level (RFC 3389 without spectral parameters means a flat spectrum).
 * Level changes ramp across one frame so updates do not click.
 */
export class ComfortNoiseGenerator {
  private amplitude = 0;
  private target = 0;
  private state: number;

  constructor(private readonly frameSamples: number, seed = 0x9e3779b9) {
    this.state = seed >>> 0 || 1;
  }

  setLevel(dbov: number): void {
    // Uniform noise in [−a, a] has RMS a/√3; full scale RMS for 0 dBov is 32767.
    this.target = dbov <= MIN_DBOV ? 0 : 32767 * 10 ** (dbov / 20) * Math.sqrt(3);
  }

  next(): Int16Array {
    const out = new Int16Array(this.frameSamples);
    const from = this.amplitude;
    const step = (this.target - from) / this.frameSamples;
    for (let i = 0; i < out.length; i++) {
      const a = from + step * (i + 1);
      const v = Math.round(a * (2 * this.random() - 1));
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    this.amplitude = this.target;
    return out;
  }

  /** xorshift32: cheap, and deterministic per seed for tests. */
  private random(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }
}
