import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { PinholeError } from '../errors';
import { BUILTIN_PLUGINS_DIR } from '../host/host';
import { NEW_PLUGIN_USAGE, REPO_ROOT, TEMPLATE_DIR, templateKinds } from './templates';

/** Faults of `pinhole new-plugin`: a bad or taken name, an unknown kind, an existing target. */
export class ScaffoldError extends PinholeError {}

const NAME = /^[a-z][a-z0-9-]{1,49}$/;
/** Never copied: build output and installed modules. */
const SKIP = new Set(['dist', 'node_modules']);

export interface NewPluginOptions {
  name: string;
  kind: string;
  /** Folder the plugin folder is created in; default the repository's plugins/. */
  dir?: string;
  /** Ids and contribution names already in use (the host's discovered plugins). */
  taken?: Iterable<string>;
  templateDir?: string;
}

export interface NewPluginResult {
  name: string;
  kind: string;
  dir: string;
  /** Whether a node_modules link to the repository's was made (a folder outside the repository). */
  linkedModules: boolean;
}

/**
 * Creates plugin `name` of `kind` from the template: copies plugin-template/<kind>/ (without
 * dist, node_modules), renames `template-<kind>` to `name` everywhere (package name, contribution
 * name, activation events, tests), into a temporary sibling folder that is renamed into place
 * only when complete. Outside the repository it links node_modules to the repository's, so
 * `@pinhole/core`, `@pinhole/compliance`, inversify, typescript and mocha resolve.
 */
export function newPlugin(o: NewPluginOptions): NewPluginResult {
  const templateDir = o.templateDir ?? TEMPLATE_DIR;
  const kinds = templateKinds(templateDir);
  if (!NAME.test(o.name))
    throw new ScaffoldError('E_PLUGIN_NAME_INVALID', `"${o.name}" is not a valid plugin name: use 2–50 lowercase letters, digits and "-", starting with a letter (e.g. "codec-l16")`);
  if (!kinds.includes(o.kind))
    throw new ScaffoldError('E_PLUGIN_KIND', `unknown kind "${o.kind}": choose --kind ${kinds.join('|') || '(no template found in ' + templateDir + ')'}`);
  const taken = new Set(o.taken ?? []);
  if (taken.has(o.name) || o.name.startsWith('template-'))
    throw new ScaffoldError('E_PLUGIN_NAME_TAKEN', `the name "${o.name}" is taken (a discovered plugin or a contribution already uses it); choose another name`);
  const parent = path.resolve(o.dir ?? BUILTIN_PLUGINS_DIR);
  const target = path.join(parent, o.name);
  if (fs.existsSync(target))
    throw new ScaffoldError('E_PLUGIN_DIR_EXISTS', `${target} already exists; nothing was written. Choose another name or --dir, or remove it first`);
  fs.mkdirSync(parent, { recursive: true });

  const token = `template-${o.kind}`;
  const tmp = path.join(parent, `.${o.name}.tmp-${randomBytes(4).toString('hex')}`);
  const inRepo = !path.relative(REPO_ROOT, target).startsWith('..');
  try {
    copyTree(path.join(templateDir, o.kind), tmp, (text) => text.split(token).join(o.name));
    if (!inRepo) fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new ScaffoldError('E_PLUGIN_WRITE', `could not create ${target}: ${(err as Error).message}; nothing was left behind`, {}, { cause: err });
  }
  return { name: o.name, kind: o.kind, dir: target, linkedModules: !inRepo };
}

function copyTree(from: string, to: string, rewrite: (text: string) => string): void {
  fs.mkdirSync(to);
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (SKIP.has(e.name) || e.name.endsWith('.tsbuildinfo')) continue;
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    if (e.isDirectory()) copyTree(src, dst, rewrite);
    else if (e.isFile()) fs.writeFileSync(dst, rewrite(fs.readFileSync(src, 'utf8')));
  }
}

/** Names in use: plugin ids and the names of their codecs, payload types, punch strategies, directory backends. */
export function takenNames(plugins: Array<{ id: string; contributes: Record<string, unknown> }>): string[] {
  const out = new Set<string>();
  for (const p of plugins) {
    out.add(p.id);
    for (const point of ['codecs', 'payloadTypes', 'punchStrategies', 'directoryBackends'])
      for (const c of (p.contributes[point] as Array<{ name?: string }> | undefined) ?? []) if (typeof c?.name === 'string') out.add(c.name);
  }
  return [...out];
}


/** `pinhole new-plugin NAME --kind codec|payload|punch|directory [--dir DIR]`. */
export function runNewPlugin(
  args: string[],
  plugins: Array<{ id: string; contributes: Record<string, unknown> }>,
  out: (line: string) => void,
  json: boolean,
): number {
  const usage = (why: string) => new ScaffoldError('E_USAGE', `${why}; usage: pinhole ${NEW_PLUGIN_USAGE} (kinds: ${templateKinds().join('|')})`);
  let parsed;
  try {
    parsed = parseArgs({ args, options: { kind: { type: 'string' }, dir: { type: 'string' } }, allowPositionals: true });
  } catch (err) {
    throw usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw usage(`unexpected argument "${positionals[1]}"`);
  const [name] = positionals;
  if (!name || !values.kind) throw usage(!name ? 'a plugin NAME is needed' : '--kind is needed');
  const res = newPlugin({ name, kind: values.kind, dir: values.dir, taken: takenNames(plugins) });
  if (json) out(JSON.stringify({ event: 'plugin.created', ...res }));
  else
    out(
      [
        `created ${res.kind} plugin "${res.name}" in ${res.dir}`,
        res.linkedModules ? `  node_modules → ${path.join(REPO_ROOT, 'node_modules')} (outside the repository: @pinhole/core and the tools resolve through this link)` : '',
        `next: cd ${res.dir} && npm test    (builds with tsc, runs the ${res.kind} compliance suite)`,
        res.linkedModules ? `then add it with "pluginPaths": [${JSON.stringify(path.dirname(res.dir))}] in pinhole.config.json` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  return 0;
}
