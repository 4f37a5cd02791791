/**
 * One error class per domain, each with a stable `code` and a message that says what to do.
 * Callers branch on `code`, never on message text.
 */
export type ErrorDetails = Record<string, unknown>;

export class PinholeError extends Error {
  readonly code: string;
  readonly details: ErrorDetails;
  constructor(code: string, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
    this.name = new.target.name;
  }
  toJSON(): ErrorDetails {
    return { name: this.name, code: this.code, message: this.message, ...this.details };
  }
}

/** Manifest discovery/validation faults (per plugin). */
export class ManifestError extends PinholeError {}
/** Config file and plugin option faults. */
export class ConfigError extends PinholeError {}
/** Activation, dependency and hook faults raised by or on behalf of a plugin. */
export class PluginError extends PinholeError {}
/** Anything wrong with bytes on the wire: frames, datagrams, protobuf, STUN. */
export class WireError extends PinholeError {}
/** Signaling faults between peers and the manager (unknown peer, busy, id taken…). */
export class SignalError extends PinholeError {}
/** Identity keys, pins, registration proofs, handshakes and session protection. */
export class SecurityError extends PinholeError {}
/** Lab (network namespace) faults: missing root or tools, setup failures. */
export class LabError extends PinholeError {}
