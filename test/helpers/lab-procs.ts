import type { ChildProcess } from 'child_process';
import * as path from 'path';
import { createInterface } from 'readline';
import type { Lab, LabNodeName } from '@pinhole/lab';

export const PINHOLE_BIN = path.resolve(__dirname, '..', '..', '..', 'core', 'bin', 'pinhole.js');

/** A `pinhole … --json` process in a lab namespace, its NDJSON events collected as they come. */
export class PinholeProc {
  readonly events: Array<Record<string, unknown>> = [];
  readonly stderr: string[] = [];
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<number>;

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line));
      } catch {
        this.stderr.push(`(stdout) ${line}`);
      }
      for (const w of this.waiters) w();
    });
    createInterface({ input: child.stderr! }).on('line', (l) => this.stderr.push(l));
    this.exited = new Promise((r) => child.on('exit', (code) => r(code ?? -1)));
  }

  static start(lab: Lab, node: LabNodeName, args: string[]): PinholeProc {
    return new PinholeProc(lab.exec(node, [process.execPath, PINHOLE_BIN, ...args, '--json']));
  }

  /** Resolves with the first event named `name` (already seen or still to come). */
  waitFor(name: string, timeoutMs = 10000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const e = this.events.find((x) => x.event === name);
        if (e) {
          cleanup();
          resolve(e);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no "${name}" event within ${timeoutMs} ms; events: ${JSON.stringify(this.events)}; stderr: ${this.stderr.join(' | ')}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  async stop(): Promise<number> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }
}
