import * as jpeg from 'jpeg-js';
import { inject, injectable } from 'inversify';
import {
  checkVideoFrame,
  checkVideoPayload,
  checkVideoSettings,
  CodecError,
  i420Size,
  videoCodecDisposed,
  type EncodedVideoFrame,
  type VideoCodec,
  type VideoDecoder,
  type VideoEncoder,
  type VideoEncoderSettings,
  type VideoFrame,
} from '@pinhole/core';
import { MjpegOptions } from './options';
import { QualityControl } from './quality-control';
import { i420ToRgba, rgbaToI420 } from './yuv';

const NAME = 'mjpeg';
const MAX_SIDE = 1920;
/** A JPEG of a frame this size can be no larger than the raw picture's 4:4:4 bytes plus headers. */
const maxPayload = (w: number, h: number) => w * h * 3 + 4096;

/**
 * Motion JPEG: each frame a baseline JPEG (jpeg-js, pure JavaScript), so every frame is a
 * keyframe and a lost frame hurts only itself. Bitrate is met by steering the JPEG quality
 * frame by frame (QualityControl); frame rate changes need nothing from the encoder.
 * Runs on the calling thread: ~20–40 ms per 640×480 frame (bench/video.js).
 */
@injectable()
export class MjpegCodec implements VideoCodec {
  readonly name = NAME;
  readonly payloadType = 'video' as const;
  readonly clockRate = 90000;
  readonly interFrame = false;
  readonly maxWidth = MAX_SIDE;
  readonly maxHeight = MAX_SIDE;

  constructor(@inject(MjpegOptions) private readonly options: MjpegOptions) {}

  async available(): Promise<{ ok: true }> {
    return { ok: true };
  }

  async createEncoder(settings: VideoEncoderSettings): Promise<VideoEncoder> {
    checkVideoSettings(this, settings);
    const s: VideoEncoderSettings = { ...settings };
    const rc = new QualityControl(this.options);
    const rgba = Buffer.allocUnsafe(s.width * s.height * 4);
    let disposed = false;
    return {
      get settings() {
        return s;
      },
      async encode(frame: VideoFrame): Promise<EncodedVideoFrame> {
        if (disposed) throw videoCodecDisposed(NAME);
        checkVideoFrame(NAME, s, frame);
        const quality = rc.quality;
        const data = jpeg.encode({ width: s.width, height: s.height, data: i420ToRgba(s.width, s.height, frame.data, rgba) }, quality).data;
        rc.observe(data.length, s.bitrate / 8 / s.frameRate);
        return { data, keyframe: true };
      },
      configure: (change) => {
        if (disposed) throw videoCodecDisposed(NAME);
        checkVideoSettings(this, { ...s, ...change });
        Object.assign(s, change);
      },
      requestKeyframe() {
        if (disposed) throw videoCodecDisposed(NAME);
      },
      async dispose() {
        disposed = true;
      },
    };
  }

  async createDecoder(size: { width: number; height: number }): Promise<VideoDecoder> {
    checkVideoSettings(this, size);
    const { width, height } = size;
    const limit = maxPayload(width, height);
    let disposed = false;
    return {
      async decode(payload: Buffer): Promise<VideoFrame> {
        if (disposed) throw videoCodecDisposed(NAME);
        checkVideoPayload(NAME, payload, limit);
        let img: { width: number; height: number; data: Uint8Array };
        try {
          // Caps keep a hostile header from asking for a huge picture.
          img = jpeg.decode(payload, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxResolutionInMP: (width * height) / 1e6 + 0.01, maxMemoryUsageInMB: 64 });
        } catch (err) {
          throw new CodecError('E_CODEC_PAYLOAD', `mjpeg could not decode a ${payload.length}-byte payload: ${(err as Error).message}`, { codec: NAME }, { cause: err });
        }
        if (img.width !== width || img.height !== height)
          throw new CodecError('E_CODEC_PAYLOAD', `mjpeg payload is a ${img.width}×${img.height} picture, the stream is ${width}×${height}`, { codec: NAME });
        return { width, height, data: rgbaToI420(width, height, img.data, Buffer.allocUnsafe(i420Size(width, height))) };
      },
      async dispose() {
        disposed = true;
      },
    };
  }
}
