import * as path from 'path';
import { Sandbox, type CrashCause, type SandboxError } from '@pinhole/sandbox';
import type { Logger } from '../log';
import { IsolationErrors } from './errors';
import { RemoteCodec } from './remote-codec';
import { RemoteVideoCodec } from './remote-video-codec';
import type { IsolationLimits } from './settings';
import type { PluginWorkerApi, PluginWorkerData } from './worker-api';
import { writeLog, type LogRecord } from './worker-logger';

/** What `plugin.crashed` reports. */
export interface PluginCrash {
  plugin: string;
  /** timeout: a call (or activation) took too long; heap: past its memory limit; exit: process.exit(); error: threw outside a call; start: a restart failed to activate; activate: its first activation failed. */
  cause: CrashCause | 'activate';
  message: string;
  /** Crashes so far. */
  crashes: number;
  /** When it is restarted; absent when it is not (gave up, or its first activation failed). */
  restartInMs?: number;
  gaveUp: boolean;
}

export interface IsolatedPluginOptions {
  data: PluginWorkerData;
  limits: IsolationLimits;
  log: Logger;
  onCrash(crash: PluginCrash): void;
  onRestart(): void;
}

const PLUGIN_WORKER = path.join(__dirname, 'plugin-worker.js');

/**
 * A plugin activated in a sandbox worker (VS Code's extension host): its limits applied, its
 * crashes reported and restarted with back-off by the sandbox, its log lines written by the
 * host, its voice and video codecs proxied (RemoteCodec, RemoteVideoCodec).
 */
export class IsolatedPlugin {
  private nextInstance = 1;
  readonly codecs: RemoteCodec[];
  readonly videoCodecs: RemoteVideoCodec[];

  private constructor(
    readonly id: string,
    private readonly sandbox: Sandbox<PluginWorkerApi>,
    described: ReturnType<PluginWorkerApi['describe']>,
  ) {
    const next = () => this.nextInstance++;
    this.codecs = described.voice.map((d, i) => new RemoteCodec(id, sandbox, i, next, d));
    this.videoCodecs = described.video.map((d, i) => new RemoteVideoCodec(id, sandbox, i, next, d));
  }

  static async start(o: IsolatedPluginOptions): Promise<IsolatedPlugin> {
    const id = o.data.pluginId;
    const l = o.limits;
    let sandbox: Sandbox<PluginWorkerApi>;
    try {
      sandbox = await Sandbox.start<PluginWorkerApi>(`plugin "${id}"`, PLUGIN_WORKER, {
        data: o.data,
        callTimeoutMs: l.callTimeoutMs,
        startTimeoutMs: l.activateTimeoutMs,
        maxHeapMb: l.maxHeapMb,
        maxRestarts: l.maxRestarts,
        backoffMs: l.restartBackoffMs,
        batchWindowMs: l.batchWindowMs,
        onCrash: (r) => o.onCrash({ plugin: id, cause: r.cause, message: r.message, crashes: r.crashes, ...(r.restartInMs !== undefined ? { restartInMs: r.restartInMs } : {}), gaveUp: r.gaveUp }),
        onRestart: () => o.onRestart(),
        onNotify: (event, data) => event === 'log' && writeLog(o.log, data as LogRecord),
      });
    } catch (err) {
      const e = err as SandboxError;
      const why = e.remote?.message ?? e.message;
      o.onCrash({ plugin: id, cause: 'activate', message: why, crashes: 1, gaveUp: true });
      throw IsolationErrors.ACTIVATE(id, why);
    }
    return new IsolatedPlugin(id, sandbox, (await sandbox.call('describe', [])) as ReturnType<PluginWorkerApi['describe']>);
  }

  /** Runs the plugin's deactivate() in its worker (if it is up), then stops the worker. */
  async close(log: Logger): Promise<void> {
    if (this.sandbox.state === 'ready') await this.sandbox.call('deactivate', []).catch((err) => log.warn(`plugin "${this.id}" failed to deactivate in its worker`, { error: (err as Error).message }));
    await this.sandbox.close();
  }
}
