import { strict as assert } from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const EXAMPLES = path.join(ROOT, 'examples');

function run(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, args, { cwd, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })),
  );
}

/** Each example runs as a user runs it (node examples/X.js), so none can rot. */
describe('examples/', function () {
  this.timeout(90_000);

  it('chat.js: alice and bob talk over an encrypted stream on the direct path', async () => {
    const r = await run([path.join(EXAMPLES, 'chat.js'), 'hi bob', 'one more line']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /alice -> bob: call up in [\d.]+ ms, direct via null-udp, encrypted: true, bob is [a-z2-7]{4}(-[a-z2-7]{4}){3}/);
    assert.match(r.stdout, /bob {3}<- alice: hi bob\n/);
    assert.match(r.stdout, /alice <- bob: 6 characters, got them\n/);
    assert.match(r.stdout, /alice <- bob: 13 characters, got them\n/);
    assert.equal(r.stderr, '', 'a library prints nothing of its own');
  });

  it('drop-box.js: files dropped by a sender arrive verified in the inbox', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-example-'));
    const files = ['a.txt', 'b.bin'].map((n, i) => {
      const f = path.join(dir, n);
      fs.writeFileSync(f, Buffer.alloc(1000 + i * 70_000, i + 1));
      return f;
    });
    try {
      const r = await run([path.join(EXAMPLES, 'drop-box.js'), ...files]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /drop-box received a\.txt \(1000 bytes, hash [0-9a-f]{16}…\) from sender into inbox\/a\.txt/);
      assert.match(r.stdout, /drop-box received b\.bin \(71000 bytes/);
      assert.match(r.stdout, /sender sent b\.bin: 71000 bytes/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('custom-plugins.js: an app runs exactly the plugins it composed, one of them from the template', async () => {
    const r = await run([path.join(EXAMPLES, 'custom-plugins.js'), 'sent by the template payload']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /bob received: sent by the template payload\n/);
    const active = /alice runs: (.*)\n/.exec(r.stdout)![1].split(', ');
    assert.deepEqual(active.sort(), ['identity-ed25519', 'manager-client', 'media-udp', 'punch-null-udp', 'secure-noise', 'template-payload']);
  });

  it('the package is importable from outside the repository (npm link style: node_modules/pinhole → sdk/)', async () => {
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-app-'));
    try {
      fs.mkdirSync(path.join(app, 'node_modules'));
      fs.symlinkSync(path.join(ROOT, 'sdk'), path.join(app, 'node_modules', 'pinhole'), 'dir');
      fs.copyFileSync(path.join(EXAMPLES, 'chat.js'), path.join(app, 'chat.js'));
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'sdk', 'package.json'), 'utf8'));
      assert.equal(pkg.name, 'pinhole');
      assert.ok(pkg.exports['.'].types && pkg.exports['.'].default, 'typed exports');
      const r = await run([path.join(app, 'chat.js'), 'from outside'], app);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /alice <- bob: 12 characters, got them/);
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
    }
  });
});
