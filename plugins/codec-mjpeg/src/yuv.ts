/**
 * I420 ↔ RGBA with BT.601 limited-range coefficients (what ffmpeg and Y4M players assume for
 * yuv420p), in 16.16 fixed point. jpeg-js speaks RGBA only, so MJPEG converts both ways.
 */
const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

export function i420ToRgba(width: number, height: number, yuv: Buffer, out: Buffer = Buffer.allocUnsafe(width * height * 4)): Buffer {
  const cw = width >> 1;
  const uBase = width * height;
  const vBase = uBase + cw * (height >> 1);
  for (let y = 0; y < height; y++) {
    const row = (y >> 1) * cw;
    for (let x = 0; x < width; x++) {
      const c = 76309 * (yuv[y * width + x] - 16);
      const u = yuv[uBase + row + (x >> 1)] - 128;
      const v = yuv[vBase + row + (x >> 1)] - 128;
      const o = (y * width + x) * 4;
      out[o] = clamp((c + 104597 * v + 32768) >> 16);
      out[o + 1] = clamp((c - 25675 * u - 53279 * v + 32768) >> 16);
      out[o + 2] = clamp((c + 132201 * u + 32768) >> 16);
      out[o + 3] = 255;
    }
  }
  return out;
}

/** RGBA → I420; chroma is the mean of each 2×2 block. */
export function rgbaToI420(width: number, height: number, rgba: Uint8Array, out: Buffer = Buffer.allocUnsafe(width * height + 2 * (width >> 1) * (height >> 1))): Buffer {
  const cw = width >> 1;
  const uBase = width * height;
  const vBase = uBase + cw * (height >> 1);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      out[y * width + x] = clamp((16829 * rgba[o] + 33039 * rgba[o + 1] + 6416 * rgba[o + 2] + 32768 + (16 << 16)) >> 16);
    }
  for (let y = 0; y < height >> 1; y++)
    for (let x = 0; x < cw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ]) {
        const o = ((2 * y + dy) * width + 2 * x + dx) * 4;
        r += rgba[o];
        g += rgba[o + 1];
        b += rgba[o + 2];
      }
      out[uBase + y * cw + x] = clamp((-9714 * r - 19070 * g + 28784 * b + 4 * 32768 + (128 << 18)) >> 18);
      out[vBase + y * cw + x] = clamp((28784 * r - 24103 * g - 4681 * b + 4 * 32768 + (128 << 18)) >> 18);
    }
  return out;
}
