/** Transfer speed and time left for one file, from when its bytes started to flow. */
export class RateMeter {
  private t0 = 0;
  private base = 0;

  /** Starts the clock at `bytes` already present (a resume offset). */
  start(bytes: number, now = Date.now()): void {
    this.t0 = now;
    this.base = bytes;
  }

  /** Bytes per second since start. */
  rate(bytes: number, now = Date.now()): number {
    const s = (now - this.t0) / 1000;
    return s > 0 ? (bytes - this.base) / s : 0;
  }

  /** Seconds until `total` at the current rate; undefined while there is no rate yet. */
  eta(bytes: number, total: number, now = Date.now()): number | undefined {
    const r = this.rate(bytes, now);
    return r > 0 ? (total - bytes) / r : undefined;
  }
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** 1234567 → "1.23 MB" (SI, like the MB/s figures). */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${UNITS[u]}`;
}

export const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;
