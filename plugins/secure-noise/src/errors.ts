import { SecurityError } from '@pinhole/core';

/** secure-noise's own faults (the shared ones are core's SecurityErrors). */
export const NoiseErrors = Object.freeze({
  SESSION_MISMATCH: (what: string) =>
    new SecurityError('E_SESSION_MISMATCH', `the handshake does not belong to this session (${what}); open the session with the handshake of its own call`),
  STREAM_CHANNEL: (channel: number) => new SecurityError('E_STREAM_CHANNEL', `reliable stream channel must be an integer 0–65535, got ${channel}`),
});
