import type { Disposable } from '../disposable';
import type { PinholeError } from '../errors';
import type { Logger } from '../log';
import type { EstablishedCall } from './peer-client';
import type { PayloadProgress } from './payload';

/**
 * The `file` payload type (plugins/payload-file): the item and result shapes of its
 * PayloadType, and the FileTransfer service the CLI calls (`pinhole call --send`,
 * `pinhole peer --inbox`).
 */

/** What a sender offers: a file on disk, announced under its base name unless `name` is given. */
export interface FileItem {
  path: string;
  name?: string;
}

/** What both sides report for one verified file (`file.done`). */
export interface FileResult {
  name: string;
  /** Size of the whole file. */
  bytes: number;
  /**
   * The file's hash, hex: the root of its hash list, SHA-256 over "pinhole-file/1", the size, the
   * piece size and the SHA-256 of every 1 MiB piece in order (payload-file's `fileHash(path)`
   * computes it for any file). Both ends verified it.
   */
  hash: string;
  /** Bytes an earlier, interrupted transfer had left at the receiver (sent again: bytes − resumedFrom). */
  resumedFrom: number;
  /** File bytes carried by this transfer. */
  transferred: number;
  /** Bytes of frames on the stream for this transfer, both ways (overhead included). */
  wireBytes: number;
  /** From the offer to the receiver's verified receipt. */
  seconds: number;
  /** transferred / seconds, in 10^6 bytes per second. */
  MBps: number;
}
/** Sender side: `path` is the source file. */
export interface FileSent extends FileResult {
  path: string;
  /** Data streams the pieces were spread over at the end (the count adapts to the path). */
  streams: number;
}
/** Receiver side: `path` is the final, verified file in the inbox. */
export interface FileReceived extends FileResult {
  path: string;
}

/** Receiver options of the file PayloadType's attach(); without `inbox` every offer is refused. */
export interface FileAttachOptions {
  /** Folder that receives files; must exist. */
  inbox?: string;
  /** Replace an existing file of the same name (after verification); default: refuse with E_FILE_EXISTS. */
  overwrite?: boolean;
  /** Refuse offers larger than this (E_FILE_SIZE). */
  maxBytes?: number;
  /** Fail a transfer (E_FILE_STALLED) when nothing moves for this long; default from the plugin options. */
  idleTimeoutMs?: number;
}

export type FileOutcome = ({ ok: true } & FileSent) | { ok: false; name: string; path: string; error: PinholeError };

export interface FileTransferOptions {
  /** Where `file.offer` / `file.done` / `file.failed` (and with json, `file.progress`) events go. */
  log?: Logger;
  /** NDJSON `file.progress` events (at most ~4 per second per file) instead of a progress bar. */
  json?: boolean;
  /** Draw a cli-progress bar on stderr; default: when stderr is a TTY and json is off. */
  bar?: boolean;
  onProgress?: (progress: PayloadProgress) => void;
  signal?: AbortSignal;
}

export interface FileReceiveOptions extends FileTransferOptions, Omit<FileAttachOptions, 'inbox'> {}

/** The receiving side of one call: takes every batch the peer sends until the call ends or close() is called. */
export interface FileInbox {
  /** Files received and verified so far on this call. */
  readonly received: readonly FileReceived[];
  onFile(handler: (file: FileReceived) => void): Disposable;
  /** Resolves when the call ended or close() finished (partial files flushed). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/** The call a transfer rides; only its session is needed (and the peer's name, for events). */
export type TransferCall = Pick<EstablishedCall, 'session'> & Partial<Pick<EstablishedCall, 'remotePeerId'>>;

export interface FileTransfer {
  /** Sends each file in turn over the call's direct path; one outcome per file, never throws for a refused file. */
  sendFiles(call: TransferCall, files: string[], opts?: FileTransferOptions): Promise<FileOutcome[]>;
  /** Accepts files offered on this call into `inboxDir` (which must exist). */
  receiveFiles(call: TransferCall, inboxDir: string, opts?: FileReceiveOptions): FileInbox;
}
export const FileTransfer = Symbol('FileTransfer');
