import * as fs from 'fs';
import { inject, injectable, preDestroy } from 'inversify';
import type { DatagramSession } from '@pinhole/core';
import { PayloadError, type FileAttachOptions, type FileItem, type FileReceived, type FileSent, type PayloadType } from '@pinhole/core';
import { FileEndpoint } from './endpoint';
import { fileError } from './errors';
import { HashPool } from './hash-pool';
import { FILE_CHANNEL, FILE_PAYLOAD, FileOptions } from './options';

/** The `file` payload type: bound by name in the container, attached once per session. */
@injectable()
export class FilePayloadType implements PayloadType<FileItem, FileSent, FileReceived, FileAttachOptions> {
  readonly name = FILE_PAYLOAD;
  readonly reliable = true;
  readonly carrier = { kind: 'reliable', channel: FILE_CHANNEL } as const;
  private readonly endpoints = new Map<DatagramSession, FileEndpoint>();
  private readonly hashes = new HashPool();

  constructor(@inject(FileOptions) private readonly opts: FileOptions) {}

  attach(session: DatagramSession, options: FileAttachOptions = {}): FileEndpoint {
    if (this.endpoints.has(session))
      throw new PayloadError('E_PAYLOAD_ATTACHED', 'a file endpoint is already attached to this session; use that one (it both sends and receives) or close it first');
    if (options.inbox !== undefined) checkInbox(options.inbox);
    const ep = new FileEndpoint(session, this.opts, options, this.hashes, () => this.endpoints.delete(session));
    this.endpoints.set(session, ep);
    return ep;
  }

  /** Closes every endpoint and stops the hashing worker (plugin deactivation unloads the binding). */
  @preDestroy()
  async closeAll(): Promise<void> {
    await Promise.all([...this.endpoints.values()].map((e) => e.close()));
    await this.hashes.close();
  }
}

function checkInbox(dir: string): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch {
    st = undefined;
  }
  if (!st?.isDirectory()) throw fileError('E_FILE_INBOX', `inbox ${dir} does not exist or is not a folder; create it first`, { inbox: dir });
}
