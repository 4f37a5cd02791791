import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../errors';
import type { IsolationLimits } from '../isolation/settings';
import type { LogLevel } from '../log';
import { formatAjvErrors } from '../manifest/ajv-errors';
import { runtimeAjv } from '../manifest/ajv-runtime';
import { validator } from '../manifest/validators';

export interface PluginConfig {
  enabled?: boolean;
  options?: Record<string, unknown>;
  /** worker: activated in a sandboxed worker, its services proxied; none: in the peer process. Default: worker for pluginPaths plugins. */
  isolation?: 'worker' | 'none';
  /** Limits of an isolated plugin; defaults in schemas/config.schema.json (definitions/limits). */
  limits?: Partial<IsolationLimits>;
}
export interface PinholeConfig {
  pluginPaths?: string[];
  plugins?: Record<string, PluginConfig>;
  log?: { level?: LogLevel };
}
export interface LoadedConfig {
  /** The file it came from, or undefined for the embedded default. */
  file?: string;
  config: PinholeConfig;
  /** pluginPaths resolved against the config file's folder. */
  pluginPaths: string[];
}

export const DEFAULT_CONFIG_FILE = 'pinhole.config.json';

/** Validates a config object; errors name the file, the JSON path and the expected form. */
export function validateConfig(value: unknown, file = '(inline config)'): PinholeConfig {
  const validate = validator('config');
  if (!validate(value)) {
    const faults = formatAjvErrors(validate.errors);
    throw new ConfigError(
      'E_CONFIG_INVALID',
      `${file}: ${faults.map((f) => `${f.path} ${f.message}`).join('; ')} (see schemas/config.schema.json)`,
      { file, faults },
    );
  }
  return value as PinholeConfig;
}

/**
 * Loads `--config FILE`, else ./pinhole.config.json if present, else the embedded default ({}).
 * A named file that is missing is an error; an absent default file is not.
 */
export function loadConfig(file?: string, cwd = process.cwd()): LoadedConfig {
  const explicit = file !== undefined;
  const target = path.resolve(cwd, file ?? DEFAULT_CONFIG_FILE);
  if (!fs.existsSync(target)) {
    if (explicit) throw new ConfigError('E_CONFIG_MISSING', `${target}: no such config file; check the --config path`, { file: target });
    return { config: {}, pluginPaths: [] };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(target, 'utf8'));
  } catch (err) {
    throw new ConfigError('E_CONFIG_SYNTAX', `${target}: not valid JSON (${(err as Error).message}); fix the syntax`, { file: target });
  }
  const config = validateConfig(raw, target);
  const base = path.dirname(target);
  return { file: target, config, pluginPaths: (config.pluginPaths ?? []).map((p) => path.resolve(base, p)) };
}

/**
 * Validates one plugin's options against the schema it contributes and fills in its defaults
 * (the manifest is their only source). Compiled when the plugin activates, not before.
 */
export function validatePluginOptions(
  pluginId: string,
  schema: Record<string, unknown> | undefined,
  options: Record<string, unknown> | undefined,
  file = '(config)',
): Record<string, unknown> {
  const value = structuredClone(options ?? {});
  if (!schema) {
    if (options && Object.keys(options).length > 0)
      throw new ConfigError('E_CONFIG_INVALID', `${file}: /plugins/${pluginId}/options given, but plugin "${pluginId}" takes no options; remove them`, { file, plugin: pluginId });
    return value;
  }
  const validate = runtimeAjv().compile(schema);
  if (!validate(value)) {
    const faults = formatAjvErrors(validate.errors, `/plugins/${pluginId}/options`);
    throw new ConfigError(
      'E_CONFIG_INVALID',
      `${file}: ${faults.map((f) => `${f.path} ${f.message}`).join('; ')} (see contributes.configuration of plugin "${pluginId}")`,
      { file, plugin: pluginId, faults },
    );
  }
  return value;
}
