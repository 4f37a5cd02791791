import type { ErrorObject } from 'ajv';
import * as path from 'path';
import { runtimeAjv } from './ajv-runtime';
import { readSchemaFiles, sameSources, validatorRefs } from './schema-sources';

/** A validate function as ajv makes it (precompiled or compiled now). */
export interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** The precompiled module `npm run build` writes (core/scripts/build-validators.js). */
export const GENERATED_VALIDATORS = path.resolve(__dirname, '..', 'generated', 'validators.js');

interface Generated {
  /** The schema files' texts the code was generated from. */
  sources: Array<{ file: string; text: string }>;
  validators: Record<string, Validator>;
}

let table: Record<string, Validator> | undefined;
/** Where the validators came from: precompiled (the fast path) or compiled at runtime (stale or missing build). */
export let validatorSource: 'precompiled' | 'runtime' | undefined;

/**
 * The core's validators (manifest, config, each contribution point, the JSON Schema meta-schema).
 * Precompiled ajv standalone code is used when it was generated from the schema files as they
 * are now; otherwise (schemas edited without `npm run build`) they are compiled at runtime, so a
 * stale build is slower, never wrong.
 */
export function validator(name: string): Validator {
  table ??= load();
  const v = table[name];
  if (!v) throw new Error(`no core validator "${name}"`);
  return v;
}

function load(): Record<string, Validator> {
  const sources = readSchemaFiles();
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const gen = require(GENERATED_VALIDATORS) as Generated;
    if (sameSources(gen.sources, sources)) {
      validatorSource = 'precompiled';
      return gen.validators;
    }
  } catch {
    // not built yet: compile below
  }
  validatorSource = 'runtime';
  return compileValidators(sources);
}

/** Compiles every core validator with the runtime ajv (also what the build step serialises). */
export function compileValidators(sources = readSchemaFiles(), ajv = runtimeAjv()): Record<string, Validator> {
  for (const s of sources) {
    const schema = JSON.parse(s.text) as { $id: string };
    if (!ajv.getSchema(schema.$id)) ajv.addSchema(schema);
  }
  const out: Record<string, Validator> = {};
  for (const [name, ref] of Object.entries(validatorRefs())) {
    const v = ajv.getSchema(ref);
    if (!v) throw new Error(`schema ${ref} not found for validator "${name}"`);
    out[name] = v;
  }
  return out;
}
