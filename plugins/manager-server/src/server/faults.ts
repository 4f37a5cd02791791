import { PinholeError, SignalError } from '@pinhole/core';

/** A protocol violation: the peer gets an Error frame and its connection is closed. */
export function fatal(code: string, message: string, details: Record<string, unknown> = {}): SignalError {
  return new SignalError(code, message, { ...details, fatal: true });
}

export function isFatal(err: unknown): boolean {
  return err instanceof PinholeError && err.details.fatal === true;
}
