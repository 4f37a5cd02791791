import type { CommandIO, PinholeError } from '@pinhole/core';

/**
 * A call that did not work: the `call.failed` event (NDJSON and scripts follow it) and, for a
 * person, the CLI's one error line on stderr (`pinhole: E_CODE: what and how to fix`). Nothing
 * is said when Ctrl-C stopped it (the exit code, 130, says so).
 */
export function callFailed(io: CommandIO, err: unknown): void {
  if (io.signal.aborted) return;
  const e = err as PinholeError;
  const code = e?.code ?? 'E_INTERNAL';
  io.log.event('call.failed', { code, message: e?.message ?? String(err) });
  if (!io.json) process.stderr.write(`pinhole: ${code}: ${e?.message ?? String(err)}\n`);
}
