import { resolveDirectoryOptions, type DirectoryOptions } from '@pinhole/core';
import * as manifest from '../package.json';

/** The plugin's options (contributes.configuration is the only source of defaults). */
export interface RedisDirectoryOptions extends DirectoryOptions {
  url: string;
  /** Cluster seed nodes; present = Redis Cluster. */
  nodes?: string[];
  prefix: string;
  shards: number;
  graceMs: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  reconnectMaxMs: number;
  nameTtlMs: number;
}
export const RedisDirectoryOptions = Symbol('RedisDirectoryOptions');

export const BACKEND_NAME = manifest.contributes.directoryBackends[0].name;

/** The plugin's own options overlaid with the manager's `directoryOptions`, validated, defaults filled in. */
export function resolveOptions(base: Partial<RedisDirectoryOptions>, overrides: Record<string, unknown>): RedisDirectoryOptions {
  return resolveDirectoryOptions<RedisDirectoryOptions>(BACKEND_NAME, manifest.contributes.configuration, base, overrides);
}
