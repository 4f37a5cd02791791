import { rng } from './rng';

/**
 * A deterministic speech-like signal: syllables of a voiced sound (gliding 110–230 Hz
 * fundamental, harmonics falling 6 dB/octave up to 3.4 kHz, raised-cosine envelope, peaks near
 * −12 dBov) separated by pauses of faint noise (≈ −60 dBov), the way talk alternates with silence.
 */
export function speechLike(sampleRate: number, seconds: number, seed = 1, opts: { pauses?: boolean } = {}): Int16Array {
  const r = rng(seed);
  const out = new Int16Array(Math.round(sampleRate * seconds));
  const pauses = opts.pauses ?? true;
  let i = 0;
  let phase = 0;
  while (i < out.length) {
    const syl = Math.round(sampleRate * (0.15 + 0.2 * r.next()));
    const f0a = 110 + 120 * r.next();
    const f0b = 110 + 120 * r.next();
    for (let k = 0; k < syl && i < out.length; k++, i++) {
      const f0 = f0a + ((f0b - f0a) * k) / syl;
      phase += (2 * Math.PI * f0) / sampleRate;
      let v = 0;
      for (let h = 1; h * f0 < Math.min(3400, sampleRate / 2 - 200); h++) v += Math.sin(h * phase) / h;
      const env = 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / syl);
      out[i] = Math.max(-32768, Math.min(32767, Math.round(4500 * env * v + (r.next() - 0.5) * 60)));
    }
    const gap = pauses ? Math.round(sampleRate * (0.1 + 0.3 * r.next())) : 0;
    for (let k = 0; k < gap && i < out.length; k++, i++) out[i] = Math.round((r.next() - 0.5) * 60);
  }
  return out;
}

export function tone(sampleRate: number, freq: number, seconds: number, amplitude = 10000): Int16Array {
  const out = new Int16Array(Math.round(sampleRate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / sampleRate));
  return out;
}

export function rms(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, to - from));
}

/** Normalised cross-correlation of ref[i] with test[i + lag] over ref[from, to). */
export function correlation(ref: ArrayLike<number>, test: ArrayLike<number>, lag = 0, from = 0, to = ref.length): number {
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = Math.max(from, -lag); i < Math.min(to, test.length - lag); i++) {
    const a = ref[i];
    const b = test[i + lag];
    xy += a * b;
    xx += a * a;
    yy += b * b;
  }
  return xx === 0 || yy === 0 ? 0 : xy / Math.sqrt(xx * yy);
}

/** SNR of test[i + lag] against ref[i] over ref[from, to), in dB. */
export function snrDb(ref: ArrayLike<number>, test: ArrayLike<number>, lag = 0, from = 0, to = ref.length): number {
  let sig = 0;
  let noise = 0;
  for (let i = Math.max(from, -lag); i < Math.min(to, test.length - lag); i++) {
    sig += ref[i] * ref[i];
    noise += (ref[i] - test[i + lag]) ** 2;
  }
  return noise === 0 ? Infinity : 10 * Math.log10(sig / noise);
}

/** The lag in [center − maxLag, center + maxLag] where test best matches ref. */
export function bestLag(ref: ArrayLike<number>, test: ArrayLike<number>, maxLag: number, from = 0, to = ref.length, center = 0): { lag: number; corr: number } {
  let best = { lag: 0, corr: -Infinity };
  for (let lag = center - maxLag; lag <= center + maxLag; lag++) {
    const c = correlation(ref, test, lag, from, to);
    if (c > best.corr) best = { lag, corr: c };
  }
  return best;
}
