import * as path from 'path';
import { inject, injectable, named } from 'inversify';
import { PayloadType, PinholeError } from '@pinhole/core';
import {
  PayloadError,
  type FileInbox,
  type FileOutcome,
  type FileReceived,
  type FileReceiveOptions,
  type FileTransfer,
  type FileTransferOptions,
  type TransferCall,
} from '@pinhole/core';
import type { FilePayloadType } from './file-payload';
import { FILE_PAYLOAD } from './options';
import { ProgressView } from './progress-view';

const asPinholeError = (err: unknown): PinholeError =>
  err instanceof PinholeError ? err : new PayloadError('E_PAYLOAD_INTERNAL', `file transfer failed: ${(err as Error)?.message ?? err}`, {}, { cause: err });

/** What `pinhole call --send` and `pinhole peer --inbox` call: transfers plus their progress display. */
@injectable()
export class FileTransferService implements FileTransfer {
  constructor(@inject(PayloadType) @named(FILE_PAYLOAD) private readonly payload: FilePayloadType) {}

  async sendFiles(call: TransferCall, files: string[], opts: FileTransferOptions = {}): Promise<FileOutcome[]> {
    const view = new ProgressView({ log: opts.log, json: opts.json, bar: opts.bar, peer: call.remotePeerId });
    const ep = this.payload.attach(call.session);
    const sub = ep.onProgress((p) => {
      view.progress(p);
      opts.onProgress?.(p);
    });
    const outcomes: FileOutcome[] = [];
    try {
      for (const file of files) {
        try {
          const sent = await ep.send({ path: file }, { signal: opts.signal });
          view.done('send', sent);
          outcomes.push({ ok: true, ...sent });
        } catch (err) {
          const e = asPinholeError(err);
          view.failed('send', path.basename(file), e);
          outcomes.push({ ok: false, name: path.basename(file), path: file, error: e });
        }
      }
    } finally {
      sub.dispose();
      view.stop();
      await ep.close();
    }
    return outcomes;
  }

  /**
   * Attaches an endpoint with the inbox, and attaches a fresh one each time the peer finishes a
   * batch (ends its stream), so the inbox serves the whole call until it ends or close() is called.
   */
  receiveFiles(call: TransferCall, inboxDir: string, opts: FileReceiveOptions = {}): FileInbox {
    const view = new ProgressView({ log: opts.log, json: opts.json, bar: opts.bar, peer: call.remotePeerId });
    const received: FileReceived[] = [];
    const fileHandlers = new Set<(f: FileReceived) => void>();
    const attach = { inbox: inboxDir, overwrite: opts.overwrite, maxBytes: opts.maxBytes, idleTimeoutMs: opts.idleTimeoutMs };
    let current = this.payload.attach(call.session, attach);
    let stopped = false;
    const callEnded = call.session.onClose(() => (stopped = true));
    const onAbort = () => void stop();

    const serve = async (): Promise<void> => {
      for (;;) {
        const ep = current;
        ep.onProgress((p) => {
          view.progress(p);
          opts.onProgress?.(p);
        });
        ep.onReceived((f) => {
          received.push(f);
          view.done('receive', f);
          for (const h of fileHandlers) h(f);
        });
        ep.onError((e) => view.failed('receive', typeof e.details.name === 'string' ? e.details.name : undefined, e));
        await ep.closed;
        if (stopped) return;
        try {
          current = this.payload.attach(call.session, attach);
        } catch {
          return; // the call ended in between
        }
      }
    };
    const stop = async (): Promise<void> => {
      stopped = true;
      await current.close();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const closed = serve().finally(() => {
      view.stop();
      callEnded.dispose();
      opts.signal?.removeEventListener('abort', onAbort);
    });
    return {
      received,
      onFile: (h) => {
        fileHandlers.add(h);
        return { dispose: () => void fileHandlers.delete(h) };
      },
      closed,
      close: async () => {
        await stop();
        await closed;
      },
    };
  }
}
