import Ajv from 'ajv';
import { DirectoryError } from '@pinhole/core';
import * as manifest from '../package.json';

/** The plugin's options (contributes.configuration is the only source of defaults). */
export interface RedisDirectoryOptions {
  url: string;
  /** Cluster seed nodes; present = Redis Cluster. */
  nodes?: string[];
  prefix: string;
  shards: number;
  graceMs: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  reconnectMaxMs: number;
}
export const RedisDirectoryOptions = Symbol('RedisDirectoryOptions');

export const BACKEND_NAME = manifest.contributes.directoryBackends[0].name;

const validate = new Ajv({ allErrors: true, useDefaults: true, strict: false }).compile(manifest.contributes.configuration);

/**
 * The plugin's own options overlaid with the manager's `directoryOptions`, checked against the
 * manifest schema (defaults filled in). The error names the config path and the expected form.
 */
export function resolveOptions(base: Partial<RedisDirectoryOptions>, overrides: Record<string, unknown>): RedisDirectoryOptions {
  const merged: Record<string, unknown> = { ...base, ...overrides };
  if (validate(merged)) return merged as unknown as RedisDirectoryOptions;
  const faults = (validate.errors ?? [])
    .map((e) => {
      const where = `plugins.manager-server.options.directoryOptions${e.instancePath.replace(/\//g, '.')}`;
      if (e.keyword === 'additionalProperties') return `${where}.${(e.params as { additionalProperty: string }).additionalProperty} is not an option of the redis directory`;
      return `${where} ${e.message}`;
    })
    .join('; ');
  throw DirectoryError.OPTIONS(BACKEND_NAME, faults);
}
