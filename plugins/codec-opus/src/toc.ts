/**
 * Opus packet durations from the TOC byte (RFC 6716 §3.1), so a decoder can refuse a packet
 * that is not exactly one frame long before handing it to libopus.
 */

/** Frame duration in units of 2.5 ms for a TOC configuration number (0–31). */
function frameUnits(config: number): number {
  if (config < 12) return [4, 8, 16, 24][config & 3]; // SILK: 10, 20, 40, 60 ms
  if (config < 16) return config & 1 ? 8 : 4; // Hybrid: 10, 20 ms
  return [1, 2, 4, 8][config & 3]; // CELT: 2.5, 5, 10, 20 ms
}

/** Samples per channel at 48 kHz in an Opus packet, or undefined when the packet is malformed. */
export function opusPacketSamples(packet: Uint8Array): number | undefined {
  if (packet.length < 1) return undefined;
  const toc = packet[0];
  const code = toc & 3;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code === 1 || code === 2) frames = 2;
  else {
    if (packet.length < 2) return undefined;
    frames = packet[1] & 0x3f;
    if (frames === 0) return undefined;
  }
  const samples = frames * frameUnits(toc >> 3) * 120;
  return samples > 5760 ? undefined : samples; // RFC 6716: a packet holds at most 120 ms
}

/**
 * A TOC-only packet in the same mode and bandwidth as `toc` with one 20 ms frame: libopus reads
 * a 0-byte frame as lost and conceals exactly that frame's duration (RFC 6716 §3.2.1 / opus_decode).
 */
export function concealmentToc(toc: number): number {
  const config = toc >> 3;
  const twenty = config < 12 ? (config & ~3) | 1 : config < 16 ? config | 1 : (config & ~3) | 3;
  return (twenty << 3) | (toc & 0x04); // keep the stereo flag, frame-count code 0
}
