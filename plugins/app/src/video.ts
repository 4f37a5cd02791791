import { VideoService, type CommandIO, type ServiceLoader, type VideoCall, type VideoStats, type VideoTarget } from '@pinhole/core';

export interface VideoCommandOptions {
  /** Y4M to send; none = receive only. */
  input?: string;
  /** Y4M to record the peer into. */
  record?: string;
  codec?: string;
  /** The voice call on the same session, for A/V sync. */
  audio?: { stats(): { mouthToEarMs: number } | undefined };
}

/** Starts video over an established call (payload-video, activated on demand). */
export async function startVideo(loader: ServiceLoader, call: VideoTarget, opts: VideoCommandOptions, io: CommandIO): Promise<VideoCall> {
  const service = await loader.load<VideoService>(VideoService, 'onPayload:video', 'video needs the payload-video plugin (and a codec plugin: codec-vp8 or codec-mjpeg)');
  const video = await service.start(call, { ...opts, log: io.log });
  io.log.event('video.started', { callId: call.callId, codec: video.codec, input: opts.input, record: opts.record });
  return video;
}

const kbit = (bps: number) => Math.round(bps / 1000);

/**
 * Live figures once a second while the call runs: a `video.progress` event with --json, else a
 * status line with what goes out and comes in (bitrate, frame rate, loss, round trip).
 */
export function showVideoProgress(video: VideoCall, io: CommandIO): () => void {
  const timer = setInterval(() => {
    const s = video.stats();
    const fields = {
      sendKbps: kbit(s.sendBitrate),
      sendFps: s.sendFrameRate,
      targetKbps: kbit(s.targetBitrate),
      recvKbps: kbit(s.receiveBitrate),
      recvFps: s.receiveFrameRate,
      lossPercent: s.remoteRecentLossPercent,
      framesDecoded: s.framesDecoded,
      freezeCount: s.freezeCount,
      rttMs: s.rttMs,
    };
    if (io.json) io.log.event('video.progress', { callId: s.callId, ...fields });
    else
      process.stdout.write(
        `video  send ${fields.sendKbps} kbit/s ${fields.sendFps} fps (target ${fields.targetKbps})  recv ${fields.recvKbps} kbit/s ${fields.recvFps} fps` +
          `${s.framesDropped ? `  dropped ${s.framesDropped}` : ''}${s.freezeCount ? `  freezes ${s.freezeCount}` : ''}${s.rttMs !== undefined ? `  rtt ${Math.round(s.rttMs)} ms` : ''}\n`,
      );
  }, 1000);
  return () => clearInterval(timer);
}

/** Ends the video call and prints `video.stats`. */
export async function stopVideo(video: VideoCall, io: CommandIO, extra: Record<string, unknown> = {}): Promise<VideoStats> {
  const s = await video.stop();
  io.log.event('video.stats', { ...s, ...extra });
  return s;
}
