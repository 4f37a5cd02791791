import { SingleBar } from 'cli-progress';
import type { Logger, PinholeError } from '@pinhole/core';
import type { FileResult, PayloadProgress } from '@pinhole/core';
import { formatBytes, RateMeter, round } from './rate';

export interface ProgressViewOptions {
  /** Where file.* events go; nothing is printed without one. */
  log?: Logger;
  /** NDJSON `file.progress` events instead of a bar. */
  json?: boolean;
  /** Draw a bar (default: stderr is a TTY and json is off). */
  bar?: boolean;
  /** The peer's name, for events. */
  peer?: string;
  /** Where the bar is drawn (default: stderr). */
  stream?: NodeJS.WritableStream;
  /** Minimum milliseconds between two `file.progress` events of one file (default 250: at most 4/s). */
  eventIntervalMs?: number;
}

interface Current {
  meter: RateMeter;
  started: boolean;
  lastEvent: number;
  lastDraw: number;
  bar?: SingleBar;
}

const DRAW_EVERY_MS = 100;

/**
 * What a person or a script sees of transfers: `file.offer`, `file.done` and `file.failed`
 * events always; with --json, `file.progress` events at most ~4/s per file; on a terminal, a
 * cli-progress bar per file (bytes, rate, ETA) on stderr. Nothing else, so plain runs stay quiet.
 */
export class ProgressView {
  private readonly current = new Map<string, Current>();
  private readonly drawBars: boolean;

  constructor(private readonly o: ProgressViewOptions = {}) {
    this.drawBars = o.bar ?? (!o.json && process.stderr.isTTY === true);
  }

  progress(p: PayloadProgress): void {
    const key = `${p.direction}:${p.name}`;
    if (p.phase === 'offer') {
      this.finish(key);
      this.current.set(key, { meter: new RateMeter(), started: false, lastEvent: 0, lastDraw: 0 });
      this.o.log?.event('file.offer', { direction: p.direction, name: p.name, bytes: p.total, peer: this.o.peer });
      return;
    }
    const c = this.current.get(key);
    if (!c) return;
    const now = Date.now();
    if (!c.started) {
      c.started = true;
      c.meter.start(p.bytes, now);
      c.lastEvent = c.lastDraw = now;
      if (this.drawBars) c.bar = this.startBar(p);
    }
    if (c.bar && (now - c.lastDraw >= DRAW_EVERY_MS || p.bytes === p.total)) {
      c.lastDraw = now;
      c.bar.update(p.bytes, { rate: `${formatBytes(c.meter.rate(p.bytes, now))}/s`, done: formatBytes(p.bytes) });
    }
    if (this.o.json && now - c.lastEvent >= (this.o.eventIntervalMs ?? 250) && p.bytes < p.total) {
      c.lastEvent = now;
      const eta = c.meter.eta(p.bytes, p.total, now);
      this.o.log?.event('file.progress', {
        direction: p.direction,
        name: p.name,
        bytes: p.bytes,
        total: p.total,
        percent: p.total ? round((100 * p.bytes) / p.total, 1) : 100,
        MBps: round(c.meter.rate(p.bytes, now) / 1e6),
        etaSeconds: eta === undefined ? undefined : round(eta, 1),
      });
    }
  }

  done(direction: 'send' | 'receive', r: FileResult & { path: string; streams?: number }): void {
    this.finish(`${direction}:${r.name}`);
    this.o.log?.event('file.done', {
      direction,
      name: r.name,
      path: r.path,
      bytes: r.bytes,
      hash: r.hash,
      seconds: round(r.seconds),
      MBps: round(r.MBps),
      resumedFrom: r.resumedFrom,
      transferred: r.transferred,
      ...(r.streams !== undefined ? { streams: r.streams } : {}),
      peer: this.o.peer,
    });
  }

  failed(direction: 'send' | 'receive', name: string | undefined, err: PinholeError): void {
    if (name) this.finish(`${direction}:${name}`);
    this.o.log?.event('file.failed', { direction, name, code: err.code, message: err.message, peer: this.o.peer });
  }

  /** Stops every bar (their timers included). */
  stop(): void {
    for (const key of [...this.current.keys()]) this.finish(key);
  }

  private startBar(p: PayloadProgress): SingleBar {
    const bar = new SingleBar({
      stream: this.o.stream ?? process.stderr,
      format: `${p.direction === 'send' ? '↑' : '↓'} {name} |{bar}| {percentage}% {done}/{size} {rate} ETA {eta_formatted}`,
      hideCursor: false,
      gracefulExit: false,
      etaBuffer: 50,
      clearOnComplete: false,
      ...(this.o.bar ? { noTTYOutput: true, notTTYSchedule: 250 } : {}),
    });
    bar.start(p.total, p.bytes, { name: p.name, size: formatBytes(p.total), done: formatBytes(p.bytes), rate: '' });
    return bar;
  }

  private finish(key: string): void {
    const c = this.current.get(key);
    if (!c) return;
    this.current.delete(key);
    c.bar?.stop();
  }
}
