import * as jpeg from 'jpeg-js';
import { i420ToRgba, rgbaToI420 } from './yuv';

/**
 * The pixel work, run in a sandbox worker thread (@pinhole/sandbox) so the event loop that
 * paces datagrams and times arrivals is not held for tens of ms per frame. Plain data in and out.
 */
export const sandboxApi = {
  encode(width: number, height: number, i420: Uint8Array, quality: number): Uint8Array {
    return jpeg.encode({ width, height, data: i420ToRgba(width, height, Buffer.from(i420.buffer, i420.byteOffset, i420.byteLength)) }, quality).data;
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
