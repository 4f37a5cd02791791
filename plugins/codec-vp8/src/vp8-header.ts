/**
 * The VP8 frame tag and keyframe start (RFC 6386 §9.1): checked before a payload goes to the
 * decoder, so garbage is refused at once with a reason instead of by an ffmpeg log line.
 */
export interface Vp8FrameInfo {
  keyframe: boolean;
  version: number;
  show: boolean;
  firstPartitionSize: number;
  /** Keyframes only: the coded size (14 bits each; scaling bits ignored). */
  width?: number;
  height?: number;
}

/** Parses the frame header, or returns why the bytes cannot be a VP8 frame. */
export function parseVp8Header(b: Buffer): Vp8FrameInfo | string {
  if (b.length < 3) return `${b.length} bytes is shorter than a VP8 frame tag`;
  const tag = b[0] | (b[1] << 8) | (b[2] << 16);
  const keyframe = (tag & 1) === 0;
  const version = (tag >> 1) & 7;
  const show = ((tag >> 4) & 1) === 1;
  const firstPartitionSize = (tag >> 5) & 0x7ffff;
  if (version > 3) return `VP8 version ${version} does not exist (0–3)`;
  const headerBytes = keyframe ? 10 : 3;
  if (b.length < headerBytes + firstPartitionSize) return `first partition of ${firstPartitionSize} bytes does not fit in a ${b.length}-byte frame`;
  if (!keyframe) return { keyframe, version, show, firstPartitionSize };
  if (b[3] !== 0x9d || b[4] !== 0x01 || b[5] !== 0x2a) return 'keyframe without the VP8 start code 9d 01 2a';
  return { keyframe, version, show, firstPartitionSize, width: b.readUInt16LE(6) & 0x3fff, height: b.readUInt16LE(8) & 0x3fff };
}
