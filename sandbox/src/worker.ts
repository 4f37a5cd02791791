import { parentPort, workerData } from 'worker_threads';
import type { HostToWorker, WorkerToHost } from './protocol';

/**
 * Worker side: loads the plugin module and serves calls to the functions of its `sandboxApi`
 * export. Only plain data crosses the boundary, so the plugin cannot touch host objects.
 */
const port = parentPort!;
const post = (m: WorkerToHost) => port.postMessage(m);
const marshal = (err: unknown) => ({
  name: (err as Error)?.name ?? 'Error',
  code: (err as { code?: string })?.code,
  message: (err as Error)?.message ?? String(err),
});

let api: Record<string, (...args: unknown[]) => unknown>;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(workerData.main as string);
  api = mod.sandboxApi ?? mod.default?.sandboxApi;
  if (!api || typeof api !== 'object') throw new Error(`${workerData.main} exports no sandboxApi object`);
  post({ ready: true, methods: Object.keys(api).filter((k) => typeof api[k] === 'function') });
} catch (err) {
  post({ ready: false, error: marshal(err) });
}

port.on('message', async (m: HostToWorker) => {
  const fn = api?.[m.method];
  try {
    if (typeof fn !== 'function') throw Object.assign(new Error(`no method "${m.method}" in sandboxApi`), { code: 'E_SANDBOX_NO_METHOD' });
    post({ id: m.id, ok: true, value: await fn(...m.args) });
  } catch (err) {
    post({ id: m.id, ok: false, error: marshal(err) });
  }
});
