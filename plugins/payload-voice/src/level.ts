/** Lowest level reported: RFC 3389 codes −127 dBov as its quietest noise level. */
export const MIN_DBOV = -127;

/** Mean power of a frame relative to a full-scale square wave (dBov; a full-scale sine is −3). */
export function levelDbov(frame: Int16Array): number {
  if (frame.length === 0) return MIN_DBOV;
  let sum = 0;
  for (let i = 0; i < frame.length; i++) sum += frame[i] * frame[i];
  const p = sum / frame.length / (32767 * 32767);
  return p <= 0 ? MIN_DBOV : Math.max(MIN_DBOV, 10 * Math.log10(p));
}
