import * as fs from 'fs';
import * as path from 'path';
import { SCHEMAS_DIR } from '../schemas';

/** The schema files behind the core's validators (schemas/). */
export const SCHEMA_FILES = ['manifest.schema.json', 'config.schema.json', 'contributions.schema.json'] as const;

/** The built-in contribution points: each has `definitions/<point>` in contributions.schema.json. */
export const BUILTIN_POINT_NAMES = ['codecs', 'payloadTypes', 'punchStrategies', 'directoryBackends', 'commands', 'configuration'] as const;

/** JSON Schema draft-07, the meta-schema a plugin's options schema (contributes.configuration) must satisfy. */
export const META_SCHEMA_ID = 'http://json-schema.org/draft-07/schema';

/** Validator name → the schema ($id or $id#pointer) it validates against. */
export function validatorRefs(): Record<string, string> {
  return {
    manifest: 'pinhole:manifest',
    config: 'pinhole:config',
    meta: META_SCHEMA_ID,
    ...Object.fromEntries(BUILTIN_POINT_NAMES.map((p) => [`point:${p}`, `pinhole:contributions#/definitions/${p}`])),
  };
}

export function readSchemaFiles(): Array<{ file: string; text: string }> {
  return SCHEMA_FILES.map((file) => ({ file, text: fs.readFileSync(path.join(SCHEMAS_DIR, file), 'utf8') }));
}

/** Whether precompiled validators were made from exactly these schema texts (they carry the texts they were made from). */
export function sameSources(a: ReadonlyArray<{ file: string; text: string }>, b: ReadonlyArray<{ file: string; text: string }>): boolean {
  return a.length === b.length && a.every((s, i) => s.file === b[i].file && s.text === b[i].text);
}
