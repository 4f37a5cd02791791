/**
 * Packet-loss concealment for waveform codecs, after ITU-T G.711 Appendix I: a lost frame is
 * replaced by repeating the last pitch period(s) of the signal, using more periods as the loss
 * goes on (one period repeated for long buzzes), attenuated 20 % per 10 ms after the first
 * 10 ms and silent after 60 ms; the first good frame after a loss is cross-faded in.
 */
export class PitchRepeatConcealer {
  private readonly history: Float32Array;
  private filled = 0;
  private readonly minLag: number;
  private readonly maxLag: number;
  private readonly per10ms: number;
  /** Samples concealed in the current loss run (0 = the last frame was good). */
  private lost = 0;
  private pitch = 0;
  private periods = 0;
  /** The pitch buffer being repeated and the read position in it. */
  private cycle = new Float32Array(0);
  private phase = 0;

  constructor(private readonly frameSamples: number, sampleRate: number) {
    // Appendix I: pitch 40–120 samples at 8 kHz (66–200 Hz); 3 × 120 + a quarter period of history.
    this.minLag = Math.round((40 * sampleRate) / 8000);
    this.maxLag = Math.round((120 * sampleRate) / 8000);
    this.per10ms = sampleRate / 100;
    this.history = new Float32Array(3 * this.maxLag + this.maxLag);
  }

  /** Records a good frame; after a loss, returns it cross-faded from the concealment. */
  good(frame: Int16Array): Int16Array {
    let out = frame;
    if (this.lost > 0) {
      // Longer losses get a longer fade-in (Appendix I: +4 ms per extra 10 ms lost).
      const extra = Math.max(0, Math.floor(this.lost / this.per10ms) - 1);
      const ola = Math.min(Math.floor(this.pitch / 4) + extra * Math.round(this.per10ms * 0.4), frame.length >> 1);
      const fake = this.synthesize(ola);
      out = Int16Array.from(frame);
      for (let i = 0; i < ola; i++) {
        const w = (i + 1) / (ola + 1);
        out[i] = clamp16(fake[i] * (1 - w) + frame[i] * w);
      }
      this.lost = 0;
    }
    this.push(out);
    return out;
  }

  /** One concealed frame. Silence when nothing was decoded yet. */
  conceal(): Int16Array {
    const n = this.frameSamples;
    if (this.filled < this.maxLag * 2) {
      this.lost += n;
      return new Int16Array(n);
    }
    if (this.lost === 0) this.startLoss();
    const out = new Int16Array(n);
    const raw = this.synthesize(n);
    for (let i = 0; i < n; i++) out[i] = clamp16(raw[i] * gainAt(this.lost + i, this.per10ms));
    this.lost += n;
    return out;
  }

  private startLoss(): void {
    this.pitch = this.findPitch();
    this.periods = 0;
    this.setPeriods(1);
  }

  /** Next `n` samples of the periodic extension, widening the pitch buffer every 10 ms of loss. */
  private synthesize(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const at = this.lost + i;
      const want = at < this.per10ms ? 1 : at < 2 * this.per10ms ? 2 : 3;
      if (want !== this.periods) this.setPeriods(want);
      out[i] = this.cycle[this.phase];
      this.phase = (this.phase + 1) % this.cycle.length;
    }
    return out;
  }

  /** The last `k` pitch periods of the history become the repeated buffer, keeping the phase. */
  private setPeriods(k: number): void {
    const len = k * this.pitch;
    const end = this.history.length;
    this.cycle = this.history.slice(end - len, end);
    // Continue where the waveform left off: the history's last sample precedes cycle[0] by one period.
    this.phase = this.periods === 0 ? 0 : this.phase % len;
    this.periods = k;
  }

  /** Lag (samples) maximising normalised autocorrelation over the last 20 ms (at 8 kHz scale). */
  private findPitch(): number {
    const h = this.history;
    const end = h.length;
    const win = Math.min(2 * this.per10ms, end - this.maxLag);
    let best = this.minLag;
    let bestScore = -Infinity;
    for (let lag = this.minLag; lag <= this.maxLag; lag++) {
      let xy = 0;
      let yy = 1e-9;
      for (let i = end - win; i < end; i++) {
        xy += h[i] * h[i - lag];
        yy += h[i - lag] * h[i - lag];
      }
      const score = xy / Math.sqrt(yy);
      if (score > bestScore) {
        bestScore = score;
        best = lag;
      }
    }
    return best;
  }

  private push(frame: Int16Array): void {
    const h = this.history;
    const n = Math.min(frame.length, h.length);
    h.copyWithin(0, n);
    for (let i = 0; i < n; i++) h[h.length - n + i] = frame[frame.length - n + i];
    this.filled = Math.min(h.length, this.filled + n);
  }
}

/** Appendix I attenuation: 1 for the first 10 ms, −20 % per further 10 ms, 0 from 60 ms. */
function gainAt(sample: number, per10ms: number): number {
  const tens = sample / per10ms;
  return tens < 1 ? 1 : Math.max(0, 1 - 0.2 * (tens - 1));
}

function clamp16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
}
