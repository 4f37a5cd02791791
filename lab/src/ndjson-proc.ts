import type { ChildProcess } from 'child_process';
import { createInterface } from 'readline';

/** A child process that prints NDJSON events; events are collected and can be awaited by name. */
export class NdjsonProc {
  readonly events: Array<Record<string, unknown>> = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number>;
  private readonly waiters = new Set<() => void>();

  constructor(readonly child: ChildProcess, onEvent: (e: Record<string, unknown>) => void = () => {}) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(line);
      } catch {
        return;
      }
      this.events.push(e);
      onEvent(e);
      for (const w of this.waiters) w();
    });
    createInterface({ input: child.stderr! }).on('line', (l) => this.stderr.push(l));
    this.exited = new Promise((r) => child.on('exit', (code) => r(code ?? -1)));
  }

  waitFor(name: string, timeoutMs: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const e = this.events.find((x) => x.event === name);
        if (!e) return;
        done();
        resolve(e);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${name} within ${timeoutMs} ms${this.stderr.length ? `: ${this.stderr.slice(-3).join(' | ')}` : ''}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(t);
  }
}
