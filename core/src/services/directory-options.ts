import type { ValidateFunction } from 'ajv';
import { formatAjvErrors } from '../manifest/ajv-errors';
import { runtimeAjv } from '../manifest/ajv-runtime';
import { DirectoryError } from './directory-errors';

const compiled = new WeakMap<object, ValidateFunction>();

/**
 * A directory backend's options: its plugin options overlaid with the manager's
 * `directoryOptions`, checked against the backend's manifest schema (the one source of
 * defaults, filled in here). A fault names the config path and the expected form.
 */
export function resolveDirectoryOptions<T>(backend: string, schema: object, base: object, overrides: Record<string, unknown>): T {
  let validate = compiled.get(schema);
  if (!validate) compiled.set(schema, (validate = runtimeAjv().compile(schema)));
  const merged: Record<string, unknown> = { ...base, ...overrides };
  if (validate(merged)) return merged as T;
  const faults = formatAjvErrors(validate.errors, '/plugins/manager-server/options/directoryOptions').map((f) => `${f.path} ${f.message}`);
  throw DirectoryError.OPTIONS(backend, faults.join('; '));
}
