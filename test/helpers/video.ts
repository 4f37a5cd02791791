import { execFileSync } from 'child_process';
import * as path from 'path';
import { VideoService } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { callPair, type CallPair } from './voice';

/** Whether ffmpeg with libvpx is on this machine (vp8 and the PSNR checks need it). */
export function haveFfmpeg(): boolean {
  try {
    return /libvpx/.test(execFileSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return false;
  }
}

/** Makes a Y4M test clip with ffmpeg's lavfi sources (testsrc2, mandelbrot …) in `dir`; returns its path. */
export function makeClip(dir: string, name: string, o: { width: number; height: number; fps: number; seconds: number; source?: string; noise?: boolean }): string {
  const file = path.join(dir, `${name}.y4m`);
  const src = `${o.source ?? 'testsrc2'}=size=${o.width}x${o.height}:rate=${o.fps}`;
  // `noise`: fresh grain on every frame, so an encoder can spend any bitrate it is given.
  const vf = o.noise ? ['-vf', 'noise=alls=24:allf=t'] : [];
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', src, '-t', String(o.seconds), ...vf, '-pix_fmt', 'yuv420p', '-y', file]);
  return file;
}

/** ffmpeg's psnr filter over two Y4M files of equal length, frame n against frame n: mean and worst frame (dB, luma+chroma average). */
export function psnr(a: string, b: string): { mean: number; min: number; frames: number } {
  const out = execFileSync('ffmpeg', ['-hide_banner', '-i', a, '-i', b, '-lavfi', 'psnr=stats_file=-', '-f', 'null', '-'], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  const values = out
    .split('\n')
    .map((l) => /psnr_avg:(\S+)/.exec(l)?.[1])
    .filter((v): v is string => v !== undefined)
    .map((v) => (v === 'inf' ? 100 : Math.min(100, Number(v))));
  return { mean: values.reduce((s, v) => s + v, 0) / Math.max(1, values.length), min: Math.min(...values), frames: values.length };
}

export interface VideoPair extends CallPair {
  video: VideoService;
}

/** Two real sessions on loopback with payload-video active. */
export async function videoPair(host: Host): Promise<VideoPair> {
  const video = await host.services.load<VideoService>(VideoService, 'onPayload:video');
  const pair = await callPair(host);
  return { ...pair, video };
}
