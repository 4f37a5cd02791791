import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import { CodecError } from '@pinhole/core';

const STDERR_LINES = 20;

/**
 * One ffmpeg child with frames on its pipes. Keeps the last lines it printed (errors are
 * quoted back), hands stdout chunks to the owner, survives EPIPE, and `stop()` ends it for
 * sure: stdin closed, then SIGKILL if it has not gone within a grace period.
 */
export class FfmpegChild {
  readonly exited: Promise<number | null>;
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private partial = '';
  private gone = false;

  constructor(bin: string, args: string[], onStdout: (chunk: Buffer) => void, private readonly onStderrLine: (line: string) => void = () => undefined) {
    this.proc = spawn(bin, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.proc.once('error', (err) => {
        this.lines.push(err.message);
        this.gone = true;
        resolve(null);
      });
      this.proc.once('exit', (code) => {
        this.gone = true;
        resolve(code);
      });
    });
    this.proc.stdin.on('error', () => undefined); // EPIPE after the child died: reported through `exited`
    this.proc.stdout.on('data', onStdout);
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (s: string) => {
      const parts = (this.partial + s).split('\n');
      this.partial = parts.pop() ?? '';
      for (const l of parts.filter(Boolean)) {
        this.lines.push(l);
        if (this.lines.length > STDERR_LINES) this.lines.shift();
        this.onStderrLine(l);
      }
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get alive(): boolean {
    return !this.gone;
  }

  write(b: Buffer): void {
    if (!this.gone && this.proc.stdin.writable) this.proc.stdin.write(b);
  }

  /** What ffmpeg said last, for error messages. */
  tail(): string {
    return [...this.lines, this.partial].filter(Boolean).slice(-3).join(' | ');
  }

  async stop(graceMs = 500): Promise<void> {
    if (this.gone) return;
    this.proc.stdin.end();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

const probes = new Map<string, Promise<{ ok: true } | { ok: false; reason: string }>>();

/** Whether `bin` runs and has libvpx's VP8 encoder and a VP8 decoder (asked once per path). */
export function probeFfmpeg(bin: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  let p = probes.get(bin);
  if (!p) {
    p = new Promise((resolve) => {
      execFile(bin, ['-hide_banner', '-encoders'], { timeout: 10000 }, (err, stdout) => {
        if (err) resolve({ ok: false, reason: `cannot run ${bin} (${(err as NodeJS.ErrnoException).code ?? err.message}); install ffmpeg (Debian package ffmpeg)` });
        else if (!/\blibvpx\b.*VP8/i.test(stdout)) resolve({ ok: false, reason: `${bin} has no libvpx VP8 encoder; install a build with --enable-libvpx (Debian's ffmpeg has it)` });
        else resolve({ ok: true });
      });
    });
    probes.set(bin, p);
  }
  return p;
}

export function ffmpegFailed(what: string, child: FfmpegChild, cause?: unknown): CodecError {
  const said = child.tail();
  return new CodecError('E_CODEC_INTERNAL', `vp8 ${what}${said ? `: ffmpeg said: ${said}` : ''}`, { codec: 'vp8' }, cause ? { cause } : undefined);
}
