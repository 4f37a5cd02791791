import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { PinholeError } from '../errors';
import { commandHelp, parseCommand } from './command-spec';
import { BUILTIN_PLUGINS_DIR } from '../host/host';
import { NEW_PLUGIN_SPEC, REPO_ROOT, TEMPLATE_DIR, templateKinds } from './templates';

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
  /** The repository whose plugins/ and tsconfig.json a new plugin joins; default the one this core was built in. */
  repoRoot?: string;
}

export interface NewPluginResult {
  name: string;
  kind: string;
  dir: string;
  /** Whether a node_modules link to the repository's was made (a folder outside the repository). */
  linkedModules: boolean;
  /** The root tsconfig.json that now references the plugin (a plugin in the repository's plugins/), so the root build builds it. */
  addedToBuild?: string;
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
  const repoRoot = o.repoRoot ?? REPO_ROOT;
  const parent = path.resolve(o.dir ?? (o.repoRoot ? path.join(repoRoot, 'plugins') : BUILTIN_PLUGINS_DIR));
  const target = path.join(parent, o.name);
  if (fs.existsSync(target))
    throw new ScaffoldError('E_PLUGIN_DIR_EXISTS', `${target} already exists; nothing was written. Choose another name or --dir, or remove it first`);
  makeFolder(parent);

  const token = `template-${o.kind}`;
  const tmp = path.join(parent, `.${o.name}.tmp-${randomBytes(4).toString('hex')}`);
  const inRepo = !path.relative(repoRoot, target).startsWith('..');
  try {
    copyTree(path.join(templateDir, o.kind), tmp, (text) => text.split(token).join(o.name));
    if (!inRepo) fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new ScaffoldError('E_PLUGIN_WRITE', `could not create ${target}: ${cause(err)}; nothing was left behind`, {}, { cause: err });
  }
  const inWorkspace = path.dirname(target) === path.join(repoRoot, 'plugins');
  return { name: o.name, kind: o.kind, dir: target, linkedModules: !inRepo, addedToBuild: inWorkspace ? addReference(repoRoot, target) : undefined };
}

/** "EROFS (read-only file system)": the system error code and Node's words for it, once. */
function cause(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const why = e.syscall && e.code ? /^[A-Z]+: ([^,]+)/.exec(e.message)?.[1] : undefined;
  return e.code ? `${e.code}${why ? ` (${why})` : ''}` : String(e?.message ?? err);
}

/**
 * Creates `dir` and its missing parents one level at a time from the nearest existing ancestor,
 * which must be a writable folder: no recursive mkdir (which spins forever under /proc), and the
 * error names the real cause (EROFS, EACCES …) once.
 */
function makeFolder(dir: string): void {
  const missing: string[] = [];
  let at = dir;
  while (!fs.existsSync(at)) {
    missing.unshift(at);
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  const fail = (where: string, why: string) => new ScaffoldError('E_PLUGIN_WRITE', `cannot create a plugin in ${dir}: ${where} ${why}; nothing was written. Choose another --dir`, { dir });
  if (!fs.statSync(at).isDirectory()) throw fail(at, 'is not a folder');
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      throw fail(path.dirname(d), `does not allow creating ${path.basename(d)}: ${cause(err)}`);
    }
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    throw fail(dir, `is not writable: ${cause(err)}`);
  }
}

/** Adds the plugin to the root tsconfig.json's references (kept sorted as written), so `npm run build` builds it; returns that file. */
function addReference(repoRoot: string, target: string): string | undefined {
  const file = path.join(repoRoot, 'tsconfig.json');
  let config: { references?: Array<{ path: string }> };
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const ref = path.relative(repoRoot, target).split(path.sep).join('/');
  const refs = (config.references ??= []);
  if (!refs.some((r) => r.path === ref)) {
    // Before the test project, which may import it.
    const at = refs.findIndex((r) => r.path === 'test');
    refs.splice(at < 0 ? refs.length : at, 0, { path: ref });
    const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n');
    fs.renameSync(tmp, file);
  }
  return file;
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


/** `pinhole new-plugin NAME --kind KIND [--dir DIR]`. */
export function runNewPlugin(
  args: string[],
  plugins: Array<{ id: string; contributes: Record<string, unknown> }>,
  out: (line: string) => void,
  json: boolean,
): number {
  const { values, positionals, help } = parseCommand(NEW_PLUGIN_SPEC, args);
  if (help) return (out(commandHelp(NEW_PLUGIN_SPEC)), 0);
  const res = newPlugin({ name: positionals[0], kind: values.kind!, dir: values.dir, taken: takenNames(plugins) });
  if (json) out(JSON.stringify({ event: 'plugin.created', ...res }));
  else
    out(
      [
        `created ${res.kind} plugin "${res.name}" in ${res.dir}`,
        res.linkedModules ? `  node_modules → ${path.join(REPO_ROOT, 'node_modules')} (outside the repository: @pinhole/core and the tools resolve through this link)` : '',
        res.addedToBuild
          ? `  added to ${res.addedToBuild}: the root build builds it. Next, at ${path.dirname(res.addedToBuild)}: npm install (records the new workspace in package-lock.json), then npm test`
          : `next: cd ${res.dir} && npm test    (builds with tsc, runs the ${res.kind} compliance suite)`,
        res.linkedModules ? `then add it with "pluginPaths": [${JSON.stringify(path.dirname(res.dir))}] in pinhole.config.json` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  return 0;
}
