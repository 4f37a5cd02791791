import * as path from 'path';
import { inject, injectable } from 'inversify';
import { Sandbox } from '@pinhole/sandbox';
import {
  checkVideoFrame,
  checkVideoPayload,
  checkVideoSettings,
  CodecError,
  PinholeError,
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
import type { sandboxApi } from './jpeg-worker';

const WORKER = path.join(__dirname, 'jpeg-worker.js');
/** A frame that takes longer than this in the worker restarts it (the call sees E_CODEC_INTERNAL). */
const CALL_TIMEOUT_MS = 10000;

function sandbox(): Promise<Sandbox<typeof sandboxApi>> {
  return Sandbox.start<typeof sandboxApi>('codec-mjpeg', WORKER, { callTimeoutMs: CALL_TIMEOUT_MS, maxHeapMb: 256 });
}

/** Errors from the worker as CodecErrors: its own codes kept, sandbox faults as E_CODEC_INTERNAL. */
function codecError(err: unknown): CodecError {
  const e = err as PinholeError;
  if (e.code === 'E_CODEC_PAYLOAD') return new CodecError('E_CODEC_PAYLOAD', e.message.replace(/^codec-mjpeg: /, ''), { codec: NAME });
  return new CodecError('E_CODEC_INTERNAL', `mjpeg worker failed: ${e.message}`, { codec: NAME }, { cause: err });
}

const NAME = 'mjpeg';
const MAX_SIDE = 1920;
/** A JPEG of a frame this size can be no larger than the raw picture's 4:4:4 bytes plus headers. */
const maxPayload = (w: number, h: number) => w * h * 3 + 4096;

/**
 * Motion JPEG: each frame a baseline JPEG (jpeg-js, pure JavaScript), so every frame is a
 * keyframe and a lost frame hurts only itself. Bitrate is met by steering the JPEG quality
 * frame by frame (QualityControl); frame rate changes need nothing from the encoder.
 * The pixel work runs in a sandbox worker thread per encoder and per decoder (jpeg-worker.ts).
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
    const worker = await sandbox();
    let disposed = false;
    return {
      get settings() {
        return s;
      },
      async encode(frame: VideoFrame): Promise<EncodedVideoFrame> {
        if (disposed) throw videoCodecDisposed(NAME);
        checkVideoFrame(NAME, s, frame);
        let data: Buffer;
        try {
          const out = await worker.api.encode(s.width, s.height, frame.data, rc.quality);
          data = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
        } catch (err) {
          throw codecError(err);
        }
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
        if (disposed) return;
        disposed = true;
        await worker.close();
      },
    };
  }

  async createDecoder(size: { width: number; height: number }): Promise<VideoDecoder> {
    checkVideoSettings(this, size);
    const { width, height } = size;
    const limit = maxPayload(width, height);
    const worker = await sandbox();
    let disposed = false;
    return {
      async decode(payload: Buffer): Promise<VideoFrame> {
        if (disposed) throw videoCodecDisposed(NAME);
        checkVideoPayload(NAME, payload, limit);
        try {
          const out = await worker.api.decode(width, height, payload);
          return { width, height, data: Buffer.from(out.buffer, out.byteOffset, out.byteLength) };
        } catch (err) {
          throw codecError(err);
        }
      },
      async dispose() {
        if (disposed) return;
        disposed = true;
        await worker.close();
      },
    };
  }
}
