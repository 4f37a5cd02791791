/**
 * A closed stdout or stderr (`pinhole peer … | head -1`, a log pipe whose reader died) is input
 * too: writing to it raises EPIPE, which would crash the process. Once a stream is gone we stop
 * writing to it and carry on — the peer keeps answering calls, the manager keeps serving.
 */
let guarded = false;

export function guardStdio(): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
      // Later writes would fail the same way: make them no-ops.
      stream.write = (() => true) as typeof stream.write;
    });
  }
}
