import type { CommandIO, ServiceLoader, VideoCall, VoiceCall, VoiceTarget } from '@pinhole/core';
import { showVideoProgress, startVideo, stopVideo } from './video';
import { startVoice } from './voice';

export interface MediaOptions {
  voice?: { input?: string; record?: string; codec?: string };
  video?: { input?: string; record?: string; codec?: string };
}

/**
 * Voice and/or video over one established call, both streams on its one session: voice first
 * (video takes its delay for lip sync), both run until they have finished (or Ctrl-C), then
 * `voice.stats` and `video.stats` (with the A/V offset when both ran) are printed.
 */
export async function runMedia(loader: ServiceLoader, call: VoiceTarget, o: MediaOptions, io: CommandIO): Promise<void> {
  let voice: VoiceCall | undefined;
  let video: VideoCall | undefined;
  let stopProgress = () => undefined as void;
  try {
    if (o.voice) voice = await startVoice(loader, call, o.voice, io);
    if (o.video) {
      const v = voice;
      video = await startVideo(loader, call, { ...o.video, ...(v ? { audio: { stats: () => v.stats() } } : {}) }, io);
      stopProgress = showVideoProgress(video, io);
    }
    const aborted = new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([Promise.all([voice?.finished, video?.finished]), aborted]);
  } finally {
    stopProgress();
    // Video first: its A/V offset reads the voice call's delay, which stop() freezes.
    if (video) await stopVideo(video, io);
    if (voice) io.log.event('voice.stats', { ...(await voice.stop()) });
  }
}
