import { strict as assert } from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CORE_VERSION } from '@pinhole/core';
import { parseGlobals } from '@pinhole/core/host';
import { FIXTURES } from '../helpers/fixtures';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'node_modules', '.bin', 'pinhole');

function run(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(BIN, args, { cwd }, (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr }));
  });
}

describe('cli', () => {
  it('is linked as node_modules/.bin/pinhole and prints help', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /usage: pinhole <command>/);
    assert.match(r.stdout, /plugins/);
  });

  it('plugins --json prints one NDJSON line per plugin with state and problems', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-cli-'));
    const cfg = path.join(dir, 'pinhole.config.json');
    fs.writeFileSync(cfg, JSON.stringify({ pluginPaths: [path.join(FIXTURES, 'plugins-bad')] }));
    const r = await run(['plugins', '--json', '--config', cfg], dir);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const bad = lines.find((l) => l.id === 'bad-engine');
    assert.equal(bad.event, 'plugin');
    assert.equal(bad.state, 'invalid');
    assert.equal(bad.problems[0].code, 'E_ENGINE_MISMATCH');
    const good = lines.find((l) => l.id === 'good');
    assert.equal(good.state, 'inactive');
    assert.ok('version' in good && 'activationEvents' in good && 'contributes' in good);
  });

  it('plugins --activate shows activation time in the human listing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-cli-'));
    fs.writeFileSync(path.join(dir, 'pinhole.config.json'), JSON.stringify({ pluginPaths: [path.join(FIXTURES, 'plugins-bad', 'good')] }));
    const r = await run(['plugins', '--activate', 'onStartup'], dir);
    assert.equal(r.code, 0, r.stderr);
    // Found through pluginPaths: third-party code, isolated in a worker by default.
    assert.match(r.stdout, /good@1\.0\.0 {2}\[active \d+\.\dms, isolated\]/);
  });

  it('a bad config exits 2 with the file and path named', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-cli-'));
    fs.writeFileSync(path.join(dir, 'pinhole.config.json'), JSON.stringify({ log: { level: 'loud' } }));
    const r = await run(['plugins'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pinhole\.config\.json: \/log\/level must be equal to one of the allowed values/);
  });

  it('an unknown command exits 2 and says how to list commands', async () => {
    const r = await run(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command "frobnicate"; run "pinhole help"/);
  });
});

describe('cli: global options and built-ins', () => {
  const tmpConfig = (config: object): { dir: string; file: string } => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-cli-'));
    const file = path.join(dir, 'pinhole.config.json');
    fs.writeFileSync(file, JSON.stringify(config));
    return { dir, file };
  };

  it('takes --json, --config and --log-level anywhere before "--" (util.parseArgs) and leaves the rest in order', () => {
    const { globals, rest } = parseGlobals(['call', 'bob', '--json', '--id', 'x', '--config=c.json', '--log-level', 'debug', '--', '--json']);
    assert.deepEqual(globals, { json: true, config: 'c.json', logLevel: 'debug' });
    assert.deepEqual(rest, ['call', 'bob', '--id', 'x', '--', '--json']);
    const usage = (argv: string[], message: RegExp) => assert.throws(() => parseGlobals(argv), (e: { code?: string; message: string }) => e.code === 'E_USAGE' && message.test(e.message));
    usage(['plugins', '--config'], /--config needs a value/);
    usage(['--log-level', 'loud'], /--log-level must be one of debug, info, warn, error, silent/);
    usage(['--json=yes'], /--json takes no value/);
  });

  it("honours the config's log.level; --log-level wins over it", async () => {
    // The host warns about a config entry for a plugin that is not installed.
    const { dir } = tmpConfig({ log: { level: 'error' }, plugins: { 'not-installed': { enabled: false } } });
    const quiet = await run(['plugins'], dir);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, '', 'log.level error hides the warning');
    const loud = await run(['plugins', '--log-level', 'warn'], dir);
    assert.match(loud.stderr, /config names plugin "not-installed", which is not installed/);
  });

  it('runs the built-ins through the command registry, with parseArgs usage errors exiting 2', async () => {
    const v = await run(['--json', 'version']);
    assert.deepEqual(JSON.parse(v.stdout), { event: 'version', version: CORE_VERSION });
    const help = await run(['help']);
    assert.match(help.stdout, /\n {2}lab up\|exec\|status\|down\|matrix .*\n.*\(plugin lab-cli\)/, 'pinhole lab comes from the lab-cli plugin');
    const bad = await run(['plugins', '--bogus']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^pinhole: E_USAGE: unknown option --bogus; see "pinhole plugins --help"\n$/);
    const none = await run([]);
    assert.equal(none.code, 2, 'no command: help, exit 2');
    assert.match(none.stdout, /usage: pinhole <command>/);
  });
});
