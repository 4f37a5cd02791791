import type { RemoteError } from './errors';

/**
 * Messages between the host and a sandbox worker (structured-clone safe, nothing else). Calls
 * and results travel in batches: everything one side has to say in one event-loop turn goes in
 * one message, which is what keeps many small calls (a codec at 50 frames/s per stream) cheap.
 */

/** One call. `id` 0 is one-way (no answer). `buffers`: indexes of the arguments that were Buffers. */
export interface CallMsg {
  id: number;
  method: string;
  args: unknown[];
  buffers?: number[];
}

export type ResultMsg = { id: number; ok: true; value: unknown; buffer?: boolean } | { id: number; ok: false; error: RemoteError };

export type HostToWorker = { calls: CallMsg[] };

export type WorkerToHost =
  | { results: ResultMsg[] }
  | { ready: true; methods: string[] }
  | { ready: false; error: RemoteError }
  /** Something the module tells the host on its own (log lines …), see notifyHost(). */
  | { notify: string; data: unknown };

/** What the worker script gets as workerData. */
export interface WorkerBoot {
  main: string;
  data: unknown;
  /** Memory outside the JS heap (ArrayBuffers, WebAssembly) the worker may hold, in bytes; 0 = unchecked. */
  externalLimitBytes: number;
}

/** Exit code of a worker that stopped itself for holding too much memory outside its heap. */
export const EXIT_EXTERNAL_MEMORY = 87;
