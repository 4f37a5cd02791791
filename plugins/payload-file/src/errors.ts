import { PayloadError } from '@pinhole/core';

/** Stable codes of file-transfer faults; the message of each says what to do. */
export type FileErrorCode =
  | 'E_FILE_PATH' // name escapes the inbox or is not a plain, portable file name
  | 'E_FILE_EXISTS' // the inbox already has that name (and overwrite is off)
  | 'E_FILE_HASH' // the bytes received do not hash to the offered SHA-256
  | 'E_FILE_SIZE' // more bytes than offered, the stream ended early, or over the inbox's limit
  | 'E_FILE_DISK' // no room, or a write failed
  | 'E_FILE_INBOX' // no inbox on this side, or it cannot be written
  | 'E_FILE_SOURCE' // the sender cannot read the file
  | 'E_FILE_NO_ANSWER' // the peer did not answer an offer
  | 'E_FILE_STALLED' // nothing moved for idleTimeoutMs
  | 'E_FILE_CANCELLED' // the sender gave the transfer up
  | 'E_FILE_SUPERSEDED' // a newer offer of the same file (another call) took over its partial file
  | 'E_FILE_PROTOCOL'; // a frame that is well-formed but makes no sense at this point

export function fileError(code: FileErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown): PayloadError {
  return new PayloadError(code, message, details, cause === undefined ? undefined : { cause });
}

/** Maps an fs error on the receiving side to a code and a hint. */
export function diskError(err: NodeJS.ErrnoException, what: string, details: Record<string, unknown>): PayloadError {
  const code = err.code ?? 'EIO';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return fileError('E_FILE_INBOX', `${what}: ${code} (${err.message}); check the inbox folder's permissions`, details, err);
  const hint = code === 'ENOSPC' || code === 'EDQUOT' ? 'free some space and send again' : 'check the disk and send again';
  return fileError('E_FILE_DISK', `${what}: ${code} (${err.message}); ${hint} — what arrived is kept and the transfer resumes`, details, err);
}
