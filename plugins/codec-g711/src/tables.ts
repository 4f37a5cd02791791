import { alaw, mulaw } from 'alawmulaw';

export type G711Law = 'pcmu' | 'pcma';

/**
 * 16-bit → 8-bit code tables, built once from alawmulaw. SoX rounds a 16-bit sample to the
 * nearest 14-bit (µ-law) or 13-bit (A-law) value before companding, and one's-complements
 * negative A-law magnitudes (ITU-T G.711); alawmulaw truncates and negates. So each table
 * entry feeds alawmulaw the 16-bit value whose truncation is SoX's rounded one, and the result
 * is bit-exact with `sox -e u-law|a-law` over all 65 536 inputs (test/plugins/codec-g711.test.ts).
 */
export function encodeTable(law: G711Law): Uint8Array {
  const table = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) {
    const x = i - 32768;
    if (law === 'pcmu') {
      const d14 = Math.min(8191, Math.floor((x + 2) / 4));
      table[i] = mulaw.encodeSample(d14 * 4) & 0xff;
    } else {
      const d13 = Math.min(4095, Math.floor((x + 4) / 8));
      // A negative 13-bit value d codes magnitude −d−1: alawmulaw sees −(8(−d−1)+1) = 8(d+1)−1.
      table[i] = alaw.encodeSample(d13 >= 0 ? d13 * 8 : (d13 + 1) * 8 - 1) & 0xff;
    }
  }
  return table;
}

/** 8-bit code → 16-bit sample (alawmulaw's decoder, identical to SoX's). */
export function decodeTable(law: G711Law): Int16Array {
  const codes = new Uint8Array(256).map((_, i) => i);
  return law === 'pcmu' ? mulaw.decode(codes) : alaw.decode(codes);
}
