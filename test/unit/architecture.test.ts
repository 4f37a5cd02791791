import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..', '..');

interface Pkg {
  name: string;
  dir: string;
  dependencies: string[];
}
interface Violation {
  file: string;
  specifier: string;
  why: string;
}

function pkg(dir: string): Pkg {
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  return { name: m.name, dir, dependencies: Object.keys({ ...m.dependencies, ...m.devDependencies, ...m.peerDependencies }) };
}

const subdirs = (dir: string) =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'package.json')))
    .map((e) => path.join(dir, e.name));

function sources(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Every module specifier a file imports or requires (TypeScript's own pre-parser: comments and strings do not count). */
function specifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The rules: a plugin imports no other plugin and not the host; the core imports no plugin and not the lab. */
function check(files: Array<{ file: string; text: string; owner: Pkg; kind: 'plugin' | 'core' }>, plugins: Pkg[]): Violation[] {
  const pluginNames = new Set(plugins.map((p) => p.name));
  const out: Violation[] = [];
  for (const { file, text, owner, kind } of files) {
    for (const spec of specifiers(text)) {
      const bare = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      const outside = spec.startsWith('.') && path.relative(owner.dir, path.resolve(path.dirname(file), spec)).startsWith('..');
      if (outside) out.push({ file, specifier: spec, why: `reaches outside ${path.relative(ROOT, owner.dir)}/` });
      if (kind === 'plugin') {
        if (pluginNames.has(bare) && bare !== owner.name) out.push({ file, specifier: spec, why: `imports another plugin (${bare}); meet it through a service identifier from @pinhole/core` });
        if (bare === '@pinhole/core' && spec !== '@pinhole/core') out.push({ file, specifier: spec, why: 'imports host internals or a deep path of the core; plugins use @pinhole/core only' });
      } else {
        if (pluginNames.has(bare)) out.push({ file, specifier: spec, why: `the core imports a plugin (${bare})` });
        if (bare === '@pinhole/lab') out.push({ file, specifier: spec, why: 'the core imports the lab (a tool package that imports the core)' });
      }
    }
  }
  return out;
}

function declaredDependencyViolations(owner: Pkg, kind: 'plugin' | 'core', plugins: Pkg[]): Violation[] {
  const pluginNames = new Set(plugins.map((p) => p.name));
  return owner.dependencies
    .filter((d) => (pluginNames.has(d) && d !== owner.name) || (kind === 'core' && d === '@pinhole/lab'))
    .map((d) => ({ file: path.join(owner.dir, 'package.json'), specifier: d, why: `${kind === 'core' ? 'the core' : owner.name} depends on ${d}` }));
}

describe('architecture: plugins meet only through the core, the core knows no plugin', () => {
  const plugins = [...subdirs(path.join(ROOT, 'plugins')), ...subdirs(path.join(ROOT, 'plugin-template'))].map(pkg);
  const core = pkg(path.join(ROOT, 'core'));
  const read = (owner: Pkg, kind: 'plugin' | 'core') => sources(path.join(owner.dir, 'src')).map((file) => ({ file, text: fs.readFileSync(file, 'utf8'), owner, kind }));
  const report = (v: Violation[]) => v.map((x) => `${path.relative(ROOT, x.file)}: "${x.specifier}" — ${x.why}`).join('\n');

  it('finds every plugin (plugins/*, plugin-template/*) and their sources', () => {
    assert.ok(plugins.length >= 14, plugins.map((p) => p.name).join(', '));
    for (const p of plugins) assert.ok(read(p, 'plugin').length > 0, `${p.name} has sources`);
  });

  it('no plugin imports another plugin, the host (@pinhole/core/host) or a deep core path', () => {
    const v = [...plugins.flatMap((p) => check(read(p, 'plugin'), plugins)), ...plugins.flatMap((p) => declaredDependencyViolations(p, 'plugin', plugins))];
    assert.deepEqual(v, [], report(v));
  });

  it('the core imports no plugin and not the lab', () => {
    const v = [...check(read(core, 'core'), plugins), ...declaredDependencyViolations(core, 'core', plugins)];
    assert.deepEqual(v, [], report(v));
  });

  it('catches each kind of violation (the rules are not vacuous)', () => {
    const a: Pkg = { name: '@pinhole/a', dir: path.join(ROOT, 'plugins', 'a'), dependencies: ['@pinhole/b'] };
    const b: Pkg = { name: '@pinhole/b', dir: path.join(ROOT, 'plugins', 'b'), dependencies: [] };
    const file = path.join(a.dir, 'src', 'x.ts');
    const plugin = (text: string) => check([{ file, text, owner: a, kind: 'plugin' }], [a, b]).map((v) => v.specifier);
    assert.deepEqual(plugin(`import { X } from '@pinhole/b';`), ['@pinhole/b']);
    assert.deepEqual(plugin(`const y = require('@pinhole/b/dist/y');`), ['@pinhole/b/dist/y']);
    assert.deepEqual(plugin(`import { Host } from '@pinhole/core/host';`), ['@pinhole/core/host']);
    assert.deepEqual(plugin(`export * from '../../b/src/index';`), ['../../b/src/index']);
    assert.deepEqual(plugin(`// import '@pinhole/b'\nimport { Codec } from '@pinhole/core';\nimport './local';`), []);
    const coreFile = path.join(core.dir, 'src', 'x.ts');
    const inCore = (text: string) => check([{ file: coreFile, text, owner: core, kind: 'core' }], [a, b]).map((v) => v.specifier);
    assert.deepEqual(inCore(`const lab = require('@pinhole/lab');`), ['@pinhole/lab']);
    assert.deepEqual(inCore(`import type { B } from '@pinhole/b';`), ['@pinhole/b']);
    assert.deepEqual(declaredDependencyViolations(a, 'plugin', [a, b]).map((v) => v.specifier), ['@pinhole/b']);
  });
});
