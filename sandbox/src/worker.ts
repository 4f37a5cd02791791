import { parentPort, workerData } from 'worker_threads';
import * as v8 from 'v8';
import { unpack } from './arena';
import { toRemoteError } from './errors';
import { Outbox } from './outbox';
import { ARG_SLOTS, EXIT_EXTERNAL_MEMORY, type CallMsg, type HostToWorker, type ResultMsg, type WorkerBoot, type WorkerToHost } from './protocol';

/**
 * Worker side: loads the module and serves calls to the functions of its `sandboxApi` export (an
 * object, or a promise of one when the module must set itself up first). Only plain data
 * crosses, so the module cannot touch host objects. Answers go back in batches: those ready when
 * a batch of calls is done at once, later ones (async methods) once per event-loop turn.
 */
type Api = Record<string, (...args: unknown[]) => unknown>;

const port = parentPort!;
const boot = workerData as WorkerBoot;
const post = (m: WorkerToHost, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const outbox = new Outbox<ResultMsg>((results, { buffer, refs }) => post({ results, bytes: buffer, refs }, buffer ? [buffer] : []));
let api: Api | undefined;

function answer(id: number, value: unknown): void {
  if (id === 0) return;
  outbox.push({ id, ok: true, value: outbox.arena.pack(outbox.next, value) });
}

function refuse(id: number, err: unknown): void {
  if (id !== 0) outbox.push({ id, ok: false, error: toRemoteError(err) });
}

function serve(c: CallMsg): void {
  const fn = api?.[c.method];
  try {
    if (typeof fn !== 'function') throw Object.assign(new Error(`no method "${c.method}" in sandboxApi`), { code: 'E_SANDBOX_NO_METHOD' });
    const r = fn.apply(api, c.args);
    if (r && typeof (r as Promise<unknown>).then === 'function')
      (r as Promise<unknown>).then(
        (v) => answer(c.id, v),
        (e) => refuse(c.id, e),
      );
    else answer(c.id, r);
  } catch (err) {
    refuse(c.id, err);
  }
}

port.on('message', (m: HostToWorker) => {
  const args = (slot: number) => m.calls[Math.floor(slot / ARG_SLOTS)].args;
  if (m.bytes) unpack(m.bytes, m.refs, (slot) => args(slot)[slot % ARG_SLOTS], (slot, v) => (args(slot)[slot % ARG_SLOTS] = v));
  for (const c of m.calls) serve(c);
  outbox.flush();
});

/** Memory outside the JS heap is not covered by the heap limit: check it between calls. */
if (boot.externalLimitBytes > 0)
  setInterval(() => {
    if (v8.getHeapStatistics().external_memory > boot.externalLimitBytes) process.exit(EXIT_EXTERNAL_MEMORY);
  }, 250).unref();

(async () => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(boot.main);
    let a = mod.sandboxApi ?? mod.default?.sandboxApi;
    if (a && typeof a.then === 'function') a = await a;
    if (!a || typeof a !== 'object') throw new Error(`${boot.main} exports no sandboxApi object`);
    api = a as Api;
    post({ ready: true, methods: Object.keys(api).filter((k) => typeof api![k] === 'function') });
  } catch (err) {
    post({ ready: false, error: toRemoteError(err) });
  }
})();
