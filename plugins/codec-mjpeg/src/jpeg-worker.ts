import * as fs from 'fs';
import * as jpeg from 'jpeg-js';
import { i420ToRgba, rgbaToI420 } from './yuv';

interface JpegEncoder {
  encode(image: { width: number; height: number; data: Uint8Array }, quality: number): Buffer;
}

/**
 * jpeg-js's `encode()` builds a new JPEGEncoder — fresh closures and tables — on every call,
 * so V8 never keeps its code optimised: ~300 ms a frame whatever the size on a loaded machine.
 * Its module does not export the class, so this worker evaluates jpeg-js's own encoder file with
 * one export added and keeps one encoder (bench/video.js: 2–4× faster). If that ever fails (a
 * jpeg-js that changed), the plain `encode()` is used.
 */
function reusableEncoder(): JpegEncoder | undefined {
  try {
    const file = require.resolve('jpeg-js/lib/encoder.js');
    const m: { exports: { JPEGEncoder?: new (q: number) => JpegEncoder } } = { exports: {} };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    new Function('module', 'exports', 'require', `${fs.readFileSync(file, 'utf8')}\n;module.exports.JPEGEncoder = JPEGEncoder;`)(m, m.exports, require);
    return m.exports.JPEGEncoder ? new m.exports.JPEGEncoder(50) : undefined;
  } catch {
    return undefined;
  }
}
const encoder = reusableEncoder();

/**
 * The pixel work, run in a sandbox worker thread (@pinhole/sandbox) so the event loop that
 * paces datagrams and times arrivals is not held for tens of ms per frame. Plain data in and out.
 */
export const sandboxApi = {
  encode(width: number, height: number, i420: Uint8Array, quality: number): Uint8Array {
    const image = { width, height, data: i420ToRgba(width, height, Buffer.from(i420.buffer, i420.byteOffset, i420.byteLength)) };
    return encoder ? encoder.encode(image, quality) : jpeg.encode(image, quality).data;
  },
  decode(width: number, height: number, payload: Uint8Array): Uint8Array {
    let img: { width: number; height: number; data: Uint8Array };
    try {
      // Caps keep a hostile header from asking for a huge picture.
      img = jpeg.decode(payload, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxResolutionInMP: (width * height) / 1e6 + 0.01, maxMemoryUsageInMB: 64 });
    } catch (err) {
      throw Object.assign(new Error(`mjpeg could not decode a ${payload.length}-byte payload: ${(err as Error).message}`), { code: 'E_CODEC_PAYLOAD' });
    }
    if (img.width !== width || img.height !== height)
      throw Object.assign(new Error(`mjpeg payload is a ${img.width}×${img.height} picture, the stream is ${width}×${height}`), { code: 'E_CODEC_PAYLOAD' });
    return rgbaToI420(width, height, img.data);
  },
};
