import * as path from 'path';
import { Worker } from 'worker_threads';
import { SandboxErrors, toRemoteError, type CrashCause, type SandboxError } from './errors';
import { isTypedArray, unpack, type Ref } from './arena';
import { Outbox } from './outbox';
import { ARG_SLOTS, EXIT_EXTERNAL_MEMORY, type CallMsg, type HostToWorker, type ResultMsg, type WorkerBoot, type WorkerToHost } from './protocol';
import { RestartPolicy, type RestartLimits } from './restart-policy';

/** Promise-returning view of a sandboxed API: the types the caller expects, enforced by RPC. */
export type Remote<T> = { [K in keyof T]: T[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never };

export interface SandboxOptions extends Partial<RestartLimits> {
  /**
   * The worker must answer within this (a loop, a hang stops it: E_SANDBOX_CRASHED, cause
   * "timeout"). Counted for the oldest call from when it was sent or the worker last answered,
   * whichever is later: calls queued behind slow ones are not blamed for the wait.
   */
  callTimeoutMs?: number;
  /** Loading the module (and awaiting its sandboxApi) must finish within this. */
  startTimeoutMs?: number;
  /** V8 heap limit of the worker in MB; memory outside the heap (ArrayBuffers, WebAssembly) is held to the same figure. */
  maxHeapMb?: number;
  /** Restart the worker after a crash (with back-off, up to maxRestarts); calls in flight fail either way. */
  restart?: boolean;
  /** Calls wait up to this long (ms) to share a message with later ones; 0: they go at the end of the event-loop turn. */
  batchWindowMs?: number;
  /** Given to the module as `workerData.data` (structured clone). */
  data?: unknown;
  onCrash?(report: CrashReport): void;
  /** The worker is serving again after a crash. */
  onRestart?(info: { crashes: number }): void;
  /** What the module sends with notifyHost(). */
  onNotify?(event: string, data: unknown): void;
}

/** What `onCrash` is told. */
export interface CrashReport {
  cause: CrashCause;
  /** Why, in words ("encode() did not answer within 500 ms"). */
  message: string;
  /** The call that timed out. */
  method?: string;
  exitCode?: number;
  /** Crashes since the sandbox started. */
  crashes: number;
  /** When the restart comes; absent when the sandbox gave up. */
  restartInMs?: number;
  gaveUp: boolean;
}

export type SandboxState = 'starting' | 'ready' | 'restarting' | 'failed' | 'closed';

export const SANDBOX_DEFAULTS = Object.freeze({
  callTimeoutMs: 5000,
  startTimeoutMs: 10_000,
  maxHeapMb: 64,
  restart: true,
  maxRestarts: 5,
  backoffMs: 100,
  maxBackoffMs: 10_000,
  stableMs: 60_000,
  batchWindowMs: 0,
});

type Settings = typeof SANDBOX_DEFAULTS & Pick<SandboxOptions, 'data' | 'onCrash' | 'onRestart' | 'onNotify'>;

interface Call {
  msg: CallMsg;
  /** performance.now() when it was sent to the worker, or (while waiting for a restart) made. */
  since: number;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

const WORKER_JS = path.join(__dirname, 'worker.js');
const noop = () => undefined;

/**
 * Runs one module's `sandboxApi` in a worker thread (VS Code's extension host idea): a crash, an
 * endless loop, a heap blow-up or process.exit() in the module fails its calls with a clear
 * error and never takes the host down; the worker is restarted with back-off. Calls made in one
 * event-loop turn travel in one message, answers likewise.
 */
export class Sandbox<T extends object> {
  state: SandboxState = 'starting';
  /** Counts crashes: a caller that keeps state in the worker notes the epoch and knows it lost it when this moves. */
  epoch = 0;
  crashes = 0;
  private worker?: Worker;
  private readonly stopped = new WeakSet<Worker>();
  private methods: string[] = [];
  private readonly pending = new Map<number, Call>();
  private waiting: Call[] = [];
  private readonly outbox: Outbox<CallMsg>;
  private readonly policy: RestartPolicy;
  private nextId = 1;
  /** performance.now() of the worker's last answer. */
  private lastAnswer = 0;
  private watchdog?: NodeJS.Timeout;
  private restartTimer?: NodeJS.Timeout;
  private failure?: SandboxError;
  private readyWaiters: Array<{ resolve(): void; reject(e: Error): void }> = [];

  private constructor(
    readonly name: string,
    private readonly main: string,
    private readonly o: Settings,
  ) {
    this.policy = new RestartPolicy(o);
    this.outbox = new Outbox((calls, bytes) => this.post(calls, bytes), o.batchWindowMs);
  }

  /** Starts the worker; resolves once the module's API is ready (else E_SANDBOX_LOAD with the module's error). */
  static async start<T extends object>(name: string, main: string, opts: SandboxOptions = {}): Promise<Sandbox<T>> {
    const settings = { ...SANDBOX_DEFAULTS, ...defined(opts) } as Settings;
    const s = new Sandbox<T>(name, path.resolve(main), settings);
    try {
      await s.spawn();
    } catch (err) {
      s.state = 'closed';
      throw err;
    }
    s.state = 'ready';
    return s;
  }

  /** The typed remote API; each method is a call into the worker. */
  get api(): Remote<T> {
    return Object.fromEntries(this.methods.map((m) => [m, (...args: unknown[]) => this.call(m, args)])) as Remote<T>;
  }

  /** Calls `method`; while the worker restarts the call waits for it (up to the call timeout). */
  call(method: string, args: unknown[]): Promise<unknown> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return new Promise((resolve, reject) => this.enqueue(this.nextId++, method, args, resolve, reject));
  }

  /** Sends `method` without waiting for an answer (errors in the worker are dropped); ordered with calls. */
  send(method: string, args: unknown[]): void {
    if (!this.refusal()) this.enqueue(0, method, args, noop, noop);
  }

  /** Resolves when the worker serves calls (at once if it does); rejects if the sandbox gave up or closed. */
  whenReady(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.watchdog);
    clearTimeout(this.restartTimer);
    this.settleReadyWaiters(SandboxErrors.CLOSED(this.name));
    this.failAll(SandboxErrors.CLOSED(this.name));
    const w = this.worker;
    this.worker = undefined;
    if (w) {
      this.stopped.add(w);
      await w.terminate().catch(noop);
    }
  }

  private refusal(): Error | undefined {
    if (this.state === 'closed') return SandboxErrors.CLOSED(this.name);
    if (this.state === 'failed') return this.failure;
    return undefined;
  }

  private enqueue(id: number, method: string, args: unknown[], resolve: (v: unknown) => void, reject: (e: Error) => void): void {
    const call: Call = { msg: { id, method, args }, since: performance.now(), resolve, reject };
    if (this.state === 'ready') this.dispatch(call);
    else {
      // Taken now, sent later: copy what the caller may reuse.
      call.msg.args = args.map(copyViews);
      this.waiting.push(call);
    }
    this.armWatchdog();
  }

  /** Into the next batch: typed arrays among the arguments (or one level down in them) are copied into its arena at once. */
  private dispatch(call: Call): void {
    call.since = performance.now();
    const args = call.msg.args;
    const at = this.outbox.next * ARG_SLOTS;
    for (let i = 0; i < args.length && i < ARG_SLOTS; i++) args[i] = this.outbox.arena.pack(at + i, args[i]);
    if (call.msg.id !== 0) this.pending.set(call.msg.id, call);
    this.outbox.push(call.msg);
  }

  /** Posts one batch; if structured clone refuses it, posts call by call so only the offending calls fail. */
  private post(calls: CallMsg[], { buffer, refs }: { buffer?: ArrayBuffer; refs: Ref[] }): void {
    const w = this.worker;
    if (!w) return;
    try {
      w.postMessage({ calls, bytes: buffer, refs } satisfies HostToWorker, buffer ? [buffer] : []);
      return;
    } catch {
      // fall through: find the calls that cannot cross (the bytes are cloned for each)
    }
    calls.forEach((msg, i) => {
      const own = refs.filter((r) => Math.floor(r[0] / ARG_SLOTS) === i).map((r): Ref => [r[0] % ARG_SLOTS, ...(r.slice(1) as [number, number, number, string?])]);
      try {
        w.postMessage({ calls: [msg], bytes: buffer, refs: own } satisfies HostToWorker);
      } catch (err) {
        const call = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        call?.reject(SandboxErrors.ARGS(this.name, msg.method, (err as Error).message));
      }
    });
  }

  private onResults({ results, bytes, refs }: { results: ResultMsg[]; bytes?: ArrayBuffer; refs: Ref[] }): void {
    this.lastAnswer = performance.now();
    const at = (slot: number) => results[slot] as { value: unknown };
    if (bytes) unpack(bytes, refs, (slot) => at(slot).value, (slot, v) => (at(slot).value = v));
    for (const r of results) {
      const call = this.pending.get(r.id);
      if (!call) continue;
      this.pending.delete(r.id);
      if (r.ok) call.resolve(r.value);
      else call.reject(SandboxErrors.CALL(this.name, call.msg.method, r.error));
    }
  }

  /** When the oldest call sent is overdue (see callTimeoutMs), if any. */
  private overdueAt(): number {
    const first = this.pending.values().next().value as Call | undefined;
    return first ? Math.max(first.since, this.lastAnswer) + this.o.callTimeoutMs : Infinity;
  }

  /** One timer for every deadline: the oldest call sent, and the oldest waiting for a restart. */
  private armWatchdog(): void {
    if (this.watchdog) return;
    const next = Math.min(this.overdueAt(), (this.waiting[0]?.since ?? Infinity) + this.o.callTimeoutMs);
    if (next === Infinity) return;
    this.watchdog = setTimeout(this.onWatchdog, Math.max(0, next - performance.now()) + 1);
  }

  private readonly onWatchdog = (): void => {
    this.watchdog = undefined;
    const now = performance.now();
    while (this.waiting.length > 0 && this.waiting[0].since + this.o.callTimeoutMs <= now) this.waiting.shift()!.reject(SandboxErrors.UNAVAILABLE(this.name, this.o.callTimeoutMs));
    const first = this.pending.values().next().value as Call | undefined;
    if (first && this.overdueAt() <= now && this.worker) {
      // The worker answers a batch together, so one stuck call holds back the answers of the calls
      // beside it: every method still waiting is named, in the order they were sent.
      const methods = [...new Set([...this.pending.values()].map((c) => c.msg.method))];
      this.crash(this.worker, 'timeout', `${methods.map((m) => `${m}()`).join(', ')} did not answer within ${this.o.callTimeoutMs} ms`, { method: first.msg.method });
    }
    this.armWatchdog();
  };

  private spawn(): Promise<void> {
    const boot: WorkerBoot = { main: this.main, data: this.o.data, externalLimitBytes: this.o.maxHeapMb * 1024 * 1024 };
    const w = new Worker(WORKER_JS, { workerData: boot, resourceLimits: { maxOldGenerationSizeMb: this.o.maxHeapMb } });
    this.worker = w;
    return new Promise((resolve, reject) => {
      let started = false;
      const failStart = (err: Error) => {
        if (started) return;
        started = true;
        clearTimeout(timer);
        this.stopped.add(w);
        if (this.worker === w) this.worker = undefined;
        void w.terminate().catch(noop);
        reject(err);
      };
      const timer = setTimeout(() => failStart(SandboxErrors.START_TIMEOUT(this.name, this.o.startTimeoutMs)), this.o.startTimeoutMs);
      w.on('message', (m: WorkerToHost) => {
        if ('results' in m) this.onResults(m);
        else if ('notify' in m) this.o.onNotify?.(m.notify, m.data);
        else if (m.ready) {
          started = true;
          clearTimeout(timer);
          this.methods = m.methods;
          resolve();
        } else failStart(SandboxErrors.LOAD(this.name, m.error));
      });
      w.on('error', (err: Error & { code?: string }) => {
        const heap = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
        if (!started) failStart(SandboxErrors.LOAD(this.name, { ...toRemoteError(err), message: heap ? `ran out of its ${this.o.maxHeapMb} MB heap` : err.message }));
        else this.crash(w, heap ? 'heap' : 'error', heap ? `ran out of its ${this.o.maxHeapMb} MB heap` : `uncaught ${err.name}: ${err.message}`);
      });
      w.on('exit', (code) => {
        const external = code === EXIT_EXTERNAL_MEMORY;
        const why = external ? `held more than ${this.o.maxHeapMb} MB outside its heap (ArrayBuffers, WebAssembly)` : `exited with code ${code}`;
        if (!started) failStart(SandboxErrors.LOAD(this.name, { name: 'Error', message: `${why} while starting` }));
        else this.crash(w, external ? 'heap' : 'exit', why, { exitCode: code });
      });
    });
  }

  private crash(w: Worker, cause: CrashCause, why: string, extra: { method?: string; exitCode?: number } = {}): void {
    if (w !== this.worker || this.stopped.has(w)) return;
    this.stopped.add(w);
    this.worker = undefined;
    void w.terminate().catch(noop);
    this.crashed(cause, why, extra);
  }

  /** The worker is gone: fail what it held, then restart after the back-off or give up. */
  private crashed(cause: CrashCause, why: string, extra: { method?: string; exitCode?: number } = {}): void {
    this.crashes++;
    this.epoch++;
    this.outbox.clear();
    this.failAll(SandboxErrors.CRASHED(this.name, cause, why), false);
    const delay = this.o.restart ? this.policy.crashed(Date.now()) : undefined;
    if (delay === undefined) {
      this.state = 'failed';
      this.failure = SandboxErrors.FAILED(this.name, this.crashes, why);
      this.failAll(this.failure);
      this.settleReadyWaiters(this.failure);
    } else {
      this.state = 'restarting';
      this.restartTimer = setTimeout(() => void this.restart(), delay);
    }
    this.o.onCrash?.({ cause, message: why, ...extra, crashes: this.crashes, restartInMs: delay, gaveUp: delay === undefined });
  }

  private async restart(): Promise<void> {
    this.restartTimer = undefined;
    if (this.state !== 'restarting') return;
    try {
      await this.spawn();
    } catch (err) {
      if (this.state === 'restarting') this.crashed('start', (err as Error).message);
      return;
    }
    if (this.state !== 'restarting') return;
    this.state = 'ready';
    for (const call of this.waiting.splice(0)) this.dispatch(call);
    this.armWatchdog();
    this.settleReadyWaiters();
    this.o.onRestart?.({ crashes: this.crashes });
  }

  /** Rejects the calls sent to the worker (and, unless told otherwise, those waiting for a restart). */
  private failAll(err: Error, waitingToo = true): void {
    this.outbox.clear();
    const calls = [...this.pending.values(), ...(waitingToo ? this.waiting.splice(0) : [])];
    this.pending.clear();
    for (const c of calls) c.reject(err);
  }

  private settleReadyWaiters(err?: Error): void {
    for (const w of this.readyWaiters.splice(0)) err ? w.reject(err) : w.resolve();
  }
}

/** A copy of a typed array (or of a plain object's typed-array properties), for a value sent later. */
function copyViews(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return Buffer.from(v);
  if (isTypedArray(v)) return (v as unknown as Int16Array).slice();
  if (!v || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, isTypedArray(x) ? copyViews(x) : x]));
}

function defined<O extends object>(o: O): Partial<O> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<O>;
}
