import { parentPort } from 'worker_threads';
import type { WorkerToHost } from './protocol';

/** From a module running in a sandbox: tells the host something (its `onNotify` gets it). No-op outside a worker. */
export function notifyHost(event: string, data: unknown): void {
  parentPort?.postMessage({ notify: event, data } satisfies WorkerToHost);
}
