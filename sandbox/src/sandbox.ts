import * as path from 'path';
import { Worker } from 'worker_threads';
import { PluginError } from '@pinhole/core';
import type { HostToWorker, WorkerToHost } from './protocol';

/** Promise-returning view of a sandboxed API: the types the caller expects, enforced by RPC. */
export type Remote<T> = { [K in keyof T]: T[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never };

export interface SandboxOptions {
  /** A call that takes longer is rejected with E_SANDBOX_TIMEOUT and the worker restarted. */
  callTimeoutMs?: number;
  /** V8 heap limit for the worker, in MB. */
  maxHeapMb?: number;
  /** Restart the worker after it crashes (calls in flight are rejected either way). */
  restart?: boolean;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Runs one plugin module's `sandboxApi` in a worker thread (VS Code's extension host idea):
 * a crash, an endless loop or a heap blow-up in the plugin rejects its calls with a clear
 * error and never takes the host down.
 */
export class Sandbox<T extends object> {
  private worker!: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private methods: string[] = [];
  private closed = false;
  crashes = 0;

  private constructor(
    readonly pluginId: string,
    private readonly main: string,
    private readonly opts: Required<SandboxOptions>,
  ) {}

  static async start<T extends object>(pluginId: string, main: string, opts: SandboxOptions = {}): Promise<Sandbox<T>> {
    const s = new Sandbox<T>(pluginId, path.resolve(main), { callTimeoutMs: 5000, maxHeapMb: 64, restart: true, ...opts });
    await s.spawn();
    return s;
  }

  /** The typed remote API; each method is a call into the worker. */
  get api(): Remote<T> {
    return Object.fromEntries(this.methods.map((m) => [m, (...args: unknown[]) => this.call(m, args)])) as Remote<T>;
  }

  call(method: string, args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new PluginError('E_SANDBOX_CLOSED', `sandbox of plugin "${this.pluginId}" is closed`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new PluginError('E_SANDBOX_TIMEOUT', `plugin "${this.pluginId}": ${method}() did not answer within ${this.opts.callTimeoutMs} ms; the worker is restarted`, { plugin: this.pluginId, method }));
        void this.recycle('timeout');
      }, this.opts.callTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.worker.postMessage({ id, method, args } satisfies HostToWorker);
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new PluginError('E_SANDBOX_ARGS', `plugin "${this.pluginId}": arguments of ${method}() cannot cross the sandbox (${(err as Error).message}); pass plain data`));
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new PluginError('E_SANDBOX_CLOSED', `sandbox of plugin "${this.pluginId}" closed`));
    await this.worker.terminate();
  }

  private spawn(): Promise<void> {
    this.worker = new Worker(path.join(__dirname, 'worker.js'), {
      workerData: { main: this.main },
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb },
    });
    const w = this.worker;
    return new Promise((resolve, reject) => {
      w.on('message', (m: WorkerToHost) => {
        if ('ready' in m) {
          if (m.ready) {
            this.methods = m.methods;
            resolve();
          } else reject(new PluginError('E_SANDBOX_LOAD', `plugin "${this.pluginId}" failed to load in its sandbox: ${m.error.message}`, { plugin: this.pluginId }));
          return;
        }
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.ok) p.resolve(m.value);
        else p.reject(new PluginError(m.error.code ?? 'E_SANDBOX_CALL', `plugin "${this.pluginId}": ${m.error.message}`, { plugin: this.pluginId }));
      });
      w.on('error', (err) => {
        reject(err);
        this.onCrash(err);
      });
      w.on('exit', (code) => {
        if (w === this.worker && !this.closed && code !== 0) this.onCrash(new Error(`worker exited with code ${code}`));
      });
    });
  }

  private onCrash(err: Error): void {
    if (this.closed) return;
    this.crashes++;
    this.failAll(new PluginError('E_SANDBOX_CRASHED', `plugin "${this.pluginId}" crashed in its sandbox: ${err.message}`, { plugin: this.pluginId }));
    if (this.opts.restart) void this.recycle('crash');
  }

  private async recycle(_why: string): Promise<void> {
    const old = this.worker;
    this.failAll(new PluginError('E_SANDBOX_RESTARTED', `plugin "${this.pluginId}" sandbox restarted`));
    await this.spawn().catch(() => undefined);
    await old.terminate().catch(() => undefined);
  }

  private failAll(err: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }
}
