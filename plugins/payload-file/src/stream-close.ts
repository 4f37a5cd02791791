import type { ReliableStream } from '@pinhole/core';

/**
 * Calls `closed` once when the stream is gone, with the error udx reported just before (it
 * reports ECONNRESET/ETIMEDOUT as 'error' and then 'close'; 'close' alone ends it cleanly).
 */
export function onStreamClose(stream: ReliableStream, closed: (err?: Error) => void): void {
  let failure: Error | undefined;
  stream.on('error', (err) => (failure = err));
  stream.once('close', () => closed(failure));
}
