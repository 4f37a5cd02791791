import type Ajv from 'ajv';
import type { Options } from 'ajv';

/** Every validator, precompiled or not, is made with these: all errors, defaults filled in. */
export const AJV_OPTIONS: Options = { allErrors: true, useDefaults: true, strict: false };

let shared: Ajv | undefined;

/**
 * The runtime ajv, loaded on first use only: plugin option schemas are compiled when their plugin
 * activates, so listing plugins or printing help never loads or runs the compiler.
 */
export function runtimeAjv(): Ajv {
  if (!shared) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const AjvClass = (require('ajv') as typeof import('ajv')).default;
    shared = new AjvClass(AJV_OPTIONS);
  }
  return shared;
}
