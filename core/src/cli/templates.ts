import * as fs from 'fs';
import * as path from 'path';

/** The repository this core was built in (core/dist/cli → the root). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** What `pinhole new-plugin` copies: one folder per kind, each a complete plugin that builds and passes its tests. */
export const TEMPLATE_DIR = path.join(REPO_ROOT, 'plugin-template');

/** The kinds the template offers: its sub-folders whose manifest says `pinhole.kind`. */
export function templateKinds(templateDir = TEMPLATE_DIR): string[] {
  if (!fs.existsSync(templateDir)) return [];
  return fs
    .readdirSync(templateDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(templateDir, e.name, 'package.json')))
    .map((e) => e.name)
    .sort();
}

export const NEW_PLUGIN_USAGE = 'new-plugin NAME --kind KIND [--dir DIR]';
