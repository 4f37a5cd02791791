import { inject, injectable } from 'inversify';
import { checkVideoSettings, CodecError, type VideoCodec, type VideoDecoder, type VideoEncoder, type VideoEncoderSettings } from '@pinhole/core';
import { probeFfmpeg } from './ffmpeg-child';
import { Vp8Options } from './options';
import { Vp8Decoder } from './vp8-decoder';
import { Vp8Encoder } from './vp8-encoder';

/** VP8 (RFC 6386) by libvpx, run as ffmpeg child processes: see Vp8Encoder and Vp8Decoder. */
@injectable()
export class Vp8Codec implements VideoCodec {
  readonly name = 'vp8';
  readonly payloadType = 'video' as const;
  readonly clockRate = 90000;
  readonly interFrame = true;
  readonly maxWidth = 4096;
  readonly maxHeight = 4096;

  constructor(@inject(Vp8Options) private readonly options: Vp8Options) {}

  available(): Promise<{ ok: true } | { ok: false; reason: string }> {
    return probeFfmpeg(this.options.ffmpeg);
  }

  async createEncoder(settings: VideoEncoderSettings): Promise<VideoEncoder> {
    checkVideoSettings(this, settings);
    await this.need();
    // Resolves once ffmpeg and libvpx are up (the warm-up frame is back), so the caller's clock starts with an encoder at speed.
    const enc = new Vp8Encoder(this.options, settings);
    try {
      await enc.whenReady();
    } catch (err) {
      await enc.dispose();
      throw err;
    }
    return enc;
  }

  async createDecoder(size: { width: number; height: number }): Promise<VideoDecoder> {
    checkVideoSettings(this, size);
    await this.need();
    return new Vp8Decoder(this.options, size.width, size.height);
  }

  private async need(): Promise<void> {
    const a = await this.available();
    if (!a.ok) throw new CodecError('E_CODEC_UNAVAILABLE', `vp8 is unavailable: ${a.reason}`, { codec: 'vp8' });
  }
}
