import * as fs from 'fs';
import * as path from 'path';
import { commandSynopsis, defineCommand } from './command-spec';

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

export const NEW_PLUGIN_SPEC = defineCommand({
  name: 'new-plugin',
  positionals: 'NAME',
  summary:
    'Creates plugin NAME from plugin-template/<KIND>: a complete plugin that builds and passes its kind\'s compliance suite as it is. In the repository\'s plugins/ it is added to the root tsconfig.json, so "npm install && npm run build" (printed at the end) makes it part of the workspace build; elsewhere its node_modules links to the repository\'s and the output says which pluginPaths entry loads it.',
  options: {
    kind: { type: 'string', arg: 'KIND', required: true, description: 'codec | payload | punch | directory: which template to copy' },
    dir: { type: 'string', arg: 'DIR', defaultText: "the repository's plugins/", description: 'the folder the plugin folder is created in' },
  },
});
/** The synopsis, as `pinhole help` and errors show it. */
export const NEW_PLUGIN_USAGE = commandSynopsis(NEW_PLUGIN_SPEC);
