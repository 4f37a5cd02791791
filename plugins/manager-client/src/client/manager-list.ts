import { ConfigError, type PinholeError } from '@pinhole/core';
import { parseManagerAddress, type ManagerAddress } from './manager-address';

/** Manager refusals after which trying again (here or elsewhere) can help. */
export const TRANSIENT_REFUSALS = new Set(['E_TOO_MANY_CONNECTIONS', 'E_RATE_LIMITED', 'E_HELLO_TIMEOUT', 'E_IDLE_TIMEOUT', 'E_EXPIRED', 'E_INTERNAL', 'E_DIRECTORY_UNAVAILABLE']);

/** True when another attempt may succeed: the manager was not reached, or refused for a passing reason. */
export const worthRetrying = (err: unknown): boolean => {
  const e = err as PinholeError;
  return !e.details?.fromManager || TRANSIENT_REFUSALS.has(e.code);
};

/**
 * The managers a peer may register with (`--manager a:8080,b:8080`): nodes sharing one
 * directory, any of which can hold the peer. The client stays on the current one; when it is
 * lost it starts over from the next, so a dead node costs one failed connect at most.
 */
export class ManagerList {
  readonly all: ManagerAddress[];
  private index = 0;

  constructor(spec: string | string[], insecure = false) {
    const texts = (Array.isArray(spec) ? spec : [spec]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
    if (texts.length === 0)
      throw new ConfigError('E_NO_MANAGER', 'no manager to register with: give --manager HOST:PORT[,HOST:PORT…] or set plugins.manager-client.options.managers');
    this.all = [...new Set(texts)].map((t) => parseManagerAddress(t, insecure));
  }

  get current(): ManagerAddress {
    return this.all[this.index];
  }

  /** After losing the current manager: the next attempt starts with the following one. */
  advance(): void {
    this.index = (this.index + 1) % this.all.length;
  }

  /**
   * Runs `attempt` on each manager once, from the current one on; the first that succeeds becomes
   * current. An error not worth retrying stops at once; else the last error is thrown.
   */
  async firstWorking<T>(attempt: (addr: ManagerAddress) => Promise<T>): Promise<T> {
    let last: unknown;
    for (let n = 0; n < this.all.length; n++) {
      const i = (this.index + n) % this.all.length;
      try {
        const result = await attempt(this.all[i]);
        this.index = i;
        return result;
      } catch (err) {
        if (!worthRetrying(err)) throw err;
        last = err;
      }
    }
    throw last;
  }

  get text(): string {
    return this.all.map((a) => a.text).join(',');
  }
}
