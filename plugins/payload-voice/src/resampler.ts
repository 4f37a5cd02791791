import { VoiceError } from '@pinhole/core';

/** Zero crossings of the sinc on each side at the lower of the two rates. */
const ZERO_CROSSINGS = 24;
/** Kaiser β: about 80 dB stop-band attenuation. */
const KAISER_BETA = 8;
/** Cut-off as a fraction of the lower Nyquist frequency. */
const CUTOFF = 0.95;
/** Largest upsampling factor L after reducing inRate:outRate (the filter table has L rows). */
const MAX_PHASES = 2000;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Zeroth-order modified Bessel function of the first kind (series; converges fast for β ≤ 10). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/**
 * Streaming rational resampler: Kaiser-windowed sinc, evaluated polyphase. Output sample k sits
 * at input time k·M/L exactly (no added delay), so a resampled recording stays time-aligned;
 * `flush` ends the stream as if zeros followed and brings the output to ceil(N·L/M) samples.
 * Quality (test/plugins/payload-voice/dsp.test.ts): a 1 kHz tone 8 → 48 → 8 kHz comes back
 * with SNR > 70 dB, and a 5 kHz tone resampled 48 → 8 kHz is suppressed by more than 60 dB.
 */
export class Resampler {
  readonly up: number;
  readonly down: number;
  private readonly half: number;
  /** table[phase * taps + j]: weight of input i + j − half + 1 for output phase `phase`. */
  private readonly table: Float64Array;
  private readonly taps: number;
  /** Inputs from index `base` on, and how many have come in total. */
  private buf = new Float64Array(4096);
  private base = 0;
  private count = 0;
  private next = 0;
  private ended = false;

  constructor(readonly inRate: number, readonly outRate: number) {
    if (!Number.isInteger(inRate) || !Number.isInteger(outRate) || inRate <= 0 || outRate <= 0)
      throw new VoiceError('E_VOICE_OPTIONS', `sample rates must be positive integers, got ${inRate} → ${outRate}`);
    const g = gcd(inRate, outRate);
    this.up = outRate / g;
    this.down = inRate / g;
    if (this.up > MAX_PHASES)
      throw new VoiceError('E_WAV_FORMAT', `cannot resample ${inRate} Hz to ${outRate} Hz (ratio ${this.up}:${this.down} too fine); use 8, 16 or 48 kHz`);
    const fc = CUTOFF * Math.min(1, this.up / this.down); // cut-off in units of the input Nyquist
    this.half = Math.ceil(ZERO_CROSSINGS / fc);
    this.taps = 2 * this.half;
    this.table = new Float64Array(this.up * this.taps);
    const i0b = besselI0(KAISER_BETA);
    for (let p = 0; p < this.up; p++) {
      let sum = 0;
      for (let j = 0; j < this.taps; j++) {
        const tau = p / this.up - (j - this.half + 1); // output time minus input index
        const x = tau / this.half;
        const w = Math.abs(x) >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - x * x)) / i0b;
        const s = tau === 0 ? 1 : Math.sin(Math.PI * fc * tau) / (Math.PI * fc * tau);
        const h = fc * s * w;
        this.table[p * this.taps + j] = h;
        sum += h;
      }
      for (let j = 0; j < this.taps; j++) this.table[p * this.taps + j] /= sum; // unity gain at DC
    }
  }

  /** Total outputs once `inputs` samples have gone in and the stream was flushed. */
  outputLength(inputs: number): number {
    return Math.ceil((inputs * this.up) / this.down);
  }

  process(input: Int16Array): Int16Array {
    if (this.ended) throw new VoiceError('E_VOICE_OPTIONS', 'resampler was flushed; create a new one');
    if (this.up === this.down) return Int16Array.from(input);
    this.append(input);
    return this.drain(false);
  }

  flush(): Int16Array {
    this.ended = true;
    if (this.up === this.down) return new Int16Array(0);
    return this.drain(true);
  }

  private append(input: Int16Array): void {
    const used = this.count - this.base;
    if (used + input.length > this.buf.length) {
      const grown = new Float64Array(Math.max(this.buf.length * 2, used + input.length));
      grown.set(this.buf.subarray(0, used));
      this.buf = grown;
    }
    for (let i = 0; i < input.length; i++) this.buf[used + i] = input[i];
    this.count += input.length;
  }

  private drain(final: boolean): Int16Array {
    const limit = final ? this.outputLength(this.count) : Infinity;
    const out: number[] = [];
    for (;;) {
      const k = this.next;
      if (k >= limit) break;
      const pos = k * this.down;
      const i = Math.floor(pos / this.up);
      const phase = pos - i * this.up;
      const first = i - this.half + 1;
      if (!final && first + this.taps > this.count) break; // needs inputs not here yet
      let acc = 0;
      const row = phase * this.taps;
      // Inputs before the start or after the end count as zeros.
      const from = Math.max(0, -first);
      const to = Math.min(this.taps, this.count - first);
      const off = first - this.base;
      for (let j = from; j < to; j++) acc += this.buf[off + j] * this.table[row + j];
      out.push(acc > 32767 ? 32767 : acc < -32768 ? -32768 : Math.round(acc));
      this.next++;
    }
    this.discard(Math.floor((this.next * this.down) / this.up) - this.half + 1);
    return Int16Array.from(out);
  }

  /** Drops inputs before index `keep`, which no future output reads. */
  private discard(keep: number): void {
    const drop = Math.min(keep, this.count) - this.base;
    if (drop <= 0) return;
    this.buf.copyWithin(0, drop, this.count - this.base);
    this.base += drop;
  }
}
