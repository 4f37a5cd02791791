import * as fs from 'fs';
import * as path from 'path';

/** The repository's schemas/ folder: *.proto and *.schema.json, shared by core and tools. */
export const SCHEMAS_DIR = path.resolve(__dirname, '..', '..', 'schemas');

export function readSchema(name: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR, name), 'utf8'));
}
