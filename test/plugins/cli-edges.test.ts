import { strict as assert } from 'assert';
import { execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { commandSynopsis, CORE_VERSION } from '@pinhole/core';
import { NdjsonProc } from '@pinhole/lab';
import { encodeWav } from '@pinhole/payload-voice';
import { speechLike } from '../helpers/audio';
import { peerFiles } from '../helpers/peers';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'core', 'bin', 'pinhole.js');

type Result = { code: number; stdout: string; stderr: string; ms: number };
function run(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Result> {
  const t0 = Date.now();
  return new Promise((resolve) =>
    execFile(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 30_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, ms: Date.now() - t0 }),
    ),
  );
}
const proc = (args: string[], env: NodeJS.ProcessEnv = process.env) => new NdjsonProc(spawn(process.execPath, [BIN, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env }));
const ids = (id: string) => ['--identity', peerFiles(id).identity, '--known-peers', peerFiles(id).knownPeers];
const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `pinhole-${p}-`));
const USAGE_LINE = /^pinhole: E_USAGE: .*; see "pinhole [a-z -]+ --help"\n$/;

/** The commands and where their spec lives (the README table and the manifests must say the same). */
const COMMANDS = ['manager', 'peer', 'call', 'ping', 'status', 'id', 'known-peers', 'demo', 'plugins', 'new-plugin', 'version', 'help'];

describe('cli: every rough edge a new user hit, fixed', function () {
  // Each case is a real process (a cold start is ~1 s, more on a loaded machine).
  this.timeout(180_000);
  const procs: NdjsonProc[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0).reverse()) await p.stop();
  });

  describe('help, version, one error style', () => {
    it('every command prints its help on stdout with exit 0: each option, its meaning and default', async () => {
      for (const c of COMMANDS) {
        const r = await run([c, '--help']);
        assert.equal(r.code, 0, `${c} --help: ${r.stderr}`);
        assert.equal(r.stderr, '', `${c} --help writes nothing to stderr`);
        assert.match(r.stdout, new RegExp(`^usage: pinhole ${c}`), c);
        const same = await run(['help', c]);
        assert.equal(same.stdout, r.stdout, `pinhole help ${c} = pinhole ${c} --help`);
      }
      const callHelp = (await run(['call', '--help'])).stdout;
      const call = callHelp.replace(/\s+/g, ' ');
      for (const opt of ['--id ME', '--manager HOST:PORT', '--pings N', '--send FILE', '--voice IN.wav', '--codec NAME', '--record OUT.wav', '--timeout MS', '--identity FILE'])
        assert.ok(callHelp.includes(`\n  ${opt}`), `call --help lists ${opt}`);
      assert.match(call, /--pings N PING\/PONG round trips [^-]*\(default: 5\)/);
      assert.match(call, /--identity FILE this peer's Ed25519 key file .*\(default: \$PINHOLE_HOME\/identity\.pem/);
      for (const sub of ['up', 'exec', 'status', 'down']) {
        const r = await run(['lab', sub, '--help']);
        assert.equal(r.code, 0);
        assert.match(r.stdout, new RegExp(`^usage: pinhole lab ${sub}`));
      }
      assert.equal((await run(['lab', '--help'])).code, 0);
    });

    it("the README's command table, the manifests and the help say the same synopsis", async () => {
      const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
      const cells = [...readme.matchAll(/^\| `pinhole ([^`]+)` \|/gm)].map((m) => m[1].replace(/\\\|/g, '|'));
      const manifests = fs.readdirSync(path.join(ROOT, 'plugins')).flatMap((d) => {
        const m = JSON.parse(fs.readFileSync(path.join(ROOT, 'plugins', d, 'package.json'), 'utf8'));
        return (m.contributes?.commands ?? []) as Array<{ command: string; usage: string }>;
      });
      for (const c of COMMANDS.filter((x) => x !== 'help')) {
        const synopsis = /^usage: pinhole (.*)$/m.exec((await run([c, '--help'])).stdout)![1];
        assert.ok(cells.includes(synopsis), `README.md has a row "pinhole ${synopsis}"`);
        const manifest = manifests.find((m) => m.command === c);
        if (manifest) assert.equal(manifest.usage, synopsis, `the manifest usage of ${c}`);
      }
      assert.equal(typeof commandSynopsis, 'function');
    });

    it('--version prints the version; no command prints the list and exits 2', async () => {
      for (const flag of ['--version', '-V']) {
        const r = await run([flag]);
        assert.deepEqual([r.code, r.stdout], [0, `${CORE_VERSION}\n`]);
      }
      assert.equal((await run([])).code, 2);
    });

    it('an unknown flag, a missing --id, bad numbers and flags that need another are E_USAGE, exit 2, naming the flag', async () => {
      const cases: Array<[string[], RegExp]> = [
        [['call', 'bob', '--id', 'a', '--manager', '127.0.0.1:1', '--bogus'], /unknown option --bogus/],
        [['call', 'bob', '--manager', '127.0.0.1:1'], /--id ME is required/],
        [['peer', '--manager', '127.0.0.1:1'], /--id NAME is required/],
        [['call', 'bob', '--id', 'a', '--manager', '127.0.0.1:1', '--pings', 'abc'], /--pings "abc" is not a whole number/],
        [['call', 'bob', '--id', 'a', '--manager', '127.0.0.1:1', '--udp-port', '99999'], /--udp-port "99999" is not a whole number from 0 to 65535/],
        [['peer', '--id', 'a', '--manager', '127.0.0.1:1', '--udp-port', '99999'], /--udp-port "99999"/],
        [['call', 'bob', '--id', 'a', '--manager', '127.0.0.1:1', '--codec', 'pcmu'], /--codec picks the codec of a voice call; give --voice/],
        [['peer', '--id', 'a', '--manager', '127.0.0.1:1', '--overwrite'], /--overwrite applies to files received into --inbox DIR/],
        [['plugins', '--activate', 'onNothing'], /no plugin activates on "onNothing"; events in use: .*onPayload:file/],
        [['ping', 'bob', '--id', 'a', '--manager', '127.0.0.1:1', '--count', '0'], /--count "0" is not a whole number from 1/],
        [['demo', '--a', 'nat'], /describe the lab: give --lab too/],
        [['status', '--manager', '127.0.0.1:1'], /needs the manager's admin token/],
        [['new-plugin', 'x'], /--kind KIND is required/],
        [['frobnicate'], /unknown command "frobnicate"/],
      ];
      for (const [args, message] of cases) {
        const r = await run(args, { env: { ...process.env, PINHOLE_ADMIN_TOKEN: '' } });
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message, args.join(' '));
        assert.ok(r.stderr.startsWith('pinhole: E_USAGE: '), r.stderr);
        assert.ok(!/ERR_PARSE_ARGS|To specify a positional argument/.test(r.stderr), 'never Node\'s raw parser text');
        if (args[0] !== 'frobnicate') assert.match(r.stderr, USAGE_LINE);
      }
      // No manager given and none in the config: said before a key or a socket is made.
      const home = tmp('no-manager');
      const none = await run(['call', 'bob', '--id', 'a'], { env: { ...process.env, PINHOLE_HOME: home } });
      assert.equal(none.code, 2, none.stderr);
      assert.match(none.stderr, /^pinhole: E_NO_MANAGER: no manager to register with: give --manager HOST:PORT/);
      assert.deepEqual(fs.readdirSync(home), [], 'no identity was made');
      fs.rmSync(home, { recursive: true, force: true });
    });

    it('--record onto the --voice input is refused and the input is untouched; local files are checked before calling', async () => {
      const dir = tmp('edges');
      const wav = path.join(dir, 'in.wav');
      fs.writeFileSync(wav, encodeWav({ sampleRate: 8000, samples: speechLike(8000, 0.2) }));
      const before = fs.readFileSync(wav);
      const same = await run(['call', 'bob', '--id', 'a', '--manager', '127.0.0.1:1', '--voice', wav, '--record', path.join(dir, '.', 'in.wav')]);
      assert.equal(same.code, 2);
      assert.match(same.stderr, /--record .* is the --voice input/);
      assert.deepEqual(fs.readFileSync(wav), before);
      // Nothing listens on 127.0.0.1:1: the file fault comes first, no call is attempted.
      const missing = await run(['call', 'bob', '--id', 'a', '--manager', '127.0.0.1:1', '--send', path.join(dir, 'nope.bin')]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^pinhole: E_FILE_NOT_FOUND: --send .*nope\.bin: no such file/);
      const stereo = path.join(dir, 'stereo.wav');
      fs.writeFileSync(stereo, stereoWav());
      const bad = await run(['call', 'bob', '--id', 'a', '--manager', '127.0.0.1:1', '--voice', stereo]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^pinhole: E_WAV_FORMAT: .*2 channels; only mono is read; convert it with: sox/);
      const codec = await run(['call', 'bob', '--id', 'a', '--manager', '127.0.0.1:1', '--voice', wav, '--codec', 'speex']);
      assert.equal(codec.code, 2);
      assert.match(codec.stderr, /--codec speex is not installed here \(installed: .*pcmu/);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });

  describe('against a running manager', () => {
    let manager: NdjsonProc;
    let ready: Record<string, unknown>;
    const at = () => ['--manager', String(ready.tcp), '--manager-fingerprint', String(ready.pin)];
    before(async () => {
      manager = proc(['manager', '--listen', '127.0.0.1:0', '--udp', '127.0.0.1:0']);
      ready = await manager.waitFor('manager.ready', 10_000);
    });
    after(() => manager.stop());

    it('manager.ready names the directory backend and the generated admin token', () => {
      assert.equal(ready.directory, 'memory');
      assert.match(String(ready.adminToken), /^[A-Za-z0-9_-]{32}$/);
      assert.equal(ready.dashboard, `https://${ready.tcp}/`);
    });

    it('refuses at once, with the callee\'s reason, what it cannot take: files without --inbox, voice or video with an unusable reply, a codec it lacks', async () => {
      const dir = tmp('caps');
      const file = path.join(dir, 'f.txt');
      fs.writeFileSync(file, 'hello');
      const mono = path.join(dir, 'mono.wav');
      fs.writeFileSync(mono, encodeWav({ sampleRate: 8000, samples: speechLike(8000, 0.3) }));
      const stereo = path.join(dir, 'stereo.wav');
      fs.writeFileSync(stereo, stereoWav());
      // A one-frame 16×16 Y4M the caller sends, and a 4:4:4 one the callee cannot.
      const clip = path.join(dir, 'clip.y4m');
      fs.writeFileSync(clip, Buffer.concat([Buffer.from('YUV4MPEG2 W16 H16 F10:1 C420jpeg\nFRAME\n'), Buffer.alloc(16 * 16 * 1.5, 128)]));
      const c444 = path.join(dir, 'c444.y4m');
      fs.writeFileSync(c444, 'YUV4MPEG2 W16 H16 F10:1 C444\nFRAME\n');
      const cfg = path.join(dir, 'no-opus.json');
      fs.writeFileSync(cfg, JSON.stringify({ plugins: { 'codec-opus': { enabled: false } } }));
      const plain = proc(['peer', '--id', 'cap-plain', ...at(), '--allow-any', '--udp-host', '127.0.0.1', ...ids('cap-plain')]);
      const badVoice = proc(['peer', '--id', 'cap-stereo', ...at(), '--allow-any', '--udp-host', '127.0.0.1', '--voice', stereo, '--video', c444, ...ids('cap-stereo')]);
      const noOpus = proc(['peer', '--id', 'cap-g711', ...at(), '--allow-any', '--udp-host', '127.0.0.1', '--inbox', dir, '--config', cfg, ...ids('cap-g711')]);
      procs.push(plain, badVoice, noOpus);
      await Promise.all([plain, badVoice, noOpus].map((p) => p.waitFor('peer.registered', 15_000)));
      assert.ok(badVoice.stderr.some((l) => /--voice .*stereo\.wav is unusable, so this peer takes no voice calls/.test(l)), badVoice.stderr.join('\n'));
      assert.ok(badVoice.stderr.some((l) => /--video .*c444\.y4m is unusable, so this peer takes no video calls/.test(l)), badVoice.stderr.join('\n'));

      const files = await run(['call', 'cap-plain', '--id', 'cap-caller', ...at(), '--send', file, ...ids('cap-caller')]);
      assert.equal(files.code, 1);
      assert.match(files.stderr, /E_PAYLOAD_UNSUPPORTED: "cap-plain" takes no file .*started without --inbox DIR/);
      const voice = await run(['call', 'cap-stereo', '--id', 'cap-caller', ...at(), '--voice', mono, ...ids('cap-caller')]);
      assert.equal(voice.code, 1);
      assert.match(voice.stderr, /E_PAYLOAD_UNSUPPORTED: "cap-stereo" takes no voice .*--voice reply is unusable \(E_WAV_FORMAT/);
      const video = await run(['call', 'cap-stereo', '--id', 'cap-caller', ...at(), '--video', clip, ...ids('cap-caller')]);
      assert.equal(video.code, 1);
      assert.match(video.stderr, /E_PAYLOAD_UNSUPPORTED: "cap-stereo" takes no video .*--video reply is unusable \(E_Y4M_COLORSPACE/);
      const codec = await run(['call', 'cap-g711', '--id', 'cap-caller', ...at(), '--voice', mono, '--codec', 'opus', '--pings', '0', ...ids('cap-caller')]);
      assert.equal(codec.code, 1, codec.stdout);
      assert.match(codec.stderr, /E_VOICE_NO_COMMON_CODEC: .*we offer opus, the callee offers (pcmu|pcma)/);
      for (const r of [files, voice, video, codec]) assert.ok(r.ms < 15_000, `refused at once, not after a transfer or negotiation timeout (${r.ms} ms)`);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('a closed stdout (| head) crashes nothing; a killed call frees its id at once; SIGINT exits 130', async () => {
      const bob = proc(['peer', '--id', 'pipe-bob', ...at(), '--allow-any', '--udp-host', '127.0.0.1', ...ids('pipe-bob')]);
      procs.push(bob);
      await bob.waitFor('peer.registered', 15_000);
      // `pinhole call … | head -1`: the reader goes away after the first line.
      const call = spawn(process.execPath, [BIN, 'call', 'pipe-bob', '--id', 'pipe-alice', ...at(), '--pings', '20', ...ids('pipe-alice')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      call.stderr.on('data', (d) => (stderr += d));
      call.stdout.once('data', () => call.stdout.destroy());
      assert.equal(await new Promise((r) => call.on('exit', r)), 0, stderr);
      assert.ok(!/EPIPE|at .*\.js:\d+/.test(stderr), stderr);
      // `pinhole demo | head -3`.
      const demo = spawn(process.execPath, [BIN, 'demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let demoErr = '';
      demo.stderr.on('data', (d) => (demoErr += d));
      demo.stdout.once('data', () => demo.stdout.destroy());
      assert.equal(await new Promise((r) => demo.on('exit', r)), 0, demoErr);
      assert.ok(!/EPIPE|at .*\.js:\d+/.test(demoErr), demoErr);
      // A call killed outright: the same key registers again at once (no E_ID_TAKEN wait).
      const killed = proc(['call', 'pipe-bob', '--id', 'pipe-alice', ...at(), '--pings', '10000', ...ids('pipe-alice')]);
      await killed.waitFor('call.ready', 15_000);
      killed.child.kill('SIGKILL');
      await killed.exited;
      const again = await run(['call', 'pipe-bob', '--id', 'pipe-alice', ...at(), '--pings', '1', ...ids('pipe-alice')]);
      assert.equal(again.code, 0, again.stderr);
      // Ctrl-C: a clean stop, and the shell learns it was interrupted.
      const peer = proc(['peer', '--id', 'sigint-bob', ...at(), '--allow-any', ...ids('sigint-bob')]);
      await peer.waitFor('peer.registered', 15_000);
      peer.child.kill('SIGINT');
      assert.equal(await peer.exited, 130);
    });

    it('a name held by another key: E_ID_TAKEN says what to do, with no word of a secret', async () => {
      const first = await run(['call', 'nobody-here', '--id', 'taken-name', ...at(), ...ids('taken-name')]);
      assert.match(first.stderr, /E_PEER_UNAVAILABLE/);
      const other = await run(['call', 'nobody-here', '--id', 'taken-name', ...at(), ...ids('taken-name-other-key')]);
      assert.equal(other.code, 1);
      assert.match(other.stderr, /E_ID_TAKEN: .*belongs to another key .*Pick another name \(--id\), or use the identity file that registered it \(--identity\)/);
      assert.ok(!/secret/i.test(other.stderr));
    });

    it('pinhole ping: repeated RTT over the direct path, showing the path', async () => {
      const bob = proc(['peer', '--id', 'ping-bob', ...at(), '--allow', 'ping-alice', '--udp-host', '127.0.0.1', ...ids('ping-bob')]);
      procs.push(bob);
      await bob.waitFor('peer.registered', 15_000);
      const r = await run(['ping', 'ping-bob', '--id', 'ping-alice', ...at(), '--count', '3', '--interval', '50', '--json', ...ids('ping-alice')]);
      assert.equal(r.code, 0, r.stderr);
      const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      const pongs = events.filter((e) => e.event === 'ping.pong');
      assert.equal(pongs.length, 3);
      for (const p of pongs) assert.deepEqual([p.path, p.strategy, typeof p.ms], ['direct', 'null-udp', 'number']);
      const summary = events.find((e) => e.event === 'ping.summary');
      assert.deepEqual([summary.sent, summary.received, summary.lossPercent], [3, 3, 0]);
      const human = await run(['ping', 'ping-bob', '--id', 'ping-alice', ...at(), '--count', '2', '--interval', '10', ...ids('ping-alice')]);
      assert.match(human.stdout, /^pong from ping-bob \(127\.0\.0\.1:\d+\) via direct \(null-udp\) in [\d.]+ ms$/m);
      assert.match(human.stdout, /--- ping-bob: 2 sent, 2 received, 0% loss, rtt min\/avg\/max/);
    });

    it('pinhole status: this machine\'s peers, and the manager\'s peers and calls with the admin token', async () => {
      const bob = proc(['peer', '--id', 'status-bob', ...at(), '--allow-any', '--udp-host', '127.0.0.1', ...ids('status-bob')]);
      procs.push(bob);
      await bob.waitFor('peer.registered', 15_000);
      const local = await run(['status', '--json']);
      assert.equal(local.code, 0, local.stderr);
      const mine = local.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.id === 'status-bob');
      assert.deepEqual([mine.event, mine.registered, mine.live, mine.accepts], ['peer.status', true, true, 'any']);
      const remote = await run(['status', ...at(), '--admin-token', String(ready.adminToken), ...ids('status-op')]);
      assert.equal(remote.code, 0, remote.stderr);
      assert.match(remote.stdout, /^manager 127\.0\.0\.1:\d+: node [0-9a-f]+, directory memory/);
      assert.match(remote.stdout, /^ {2}status-bob +[a-z2-7]{4}-/m);
      const wrong = await run(['status', ...at(), '--admin-token', 'not-the-token-at-all', ...ids('status-op')]);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /E_ADMIN_TOKEN: .*refused the admin token/);
    });
  });

  it('pinhole peer waits for a manager that is not up yet (and --once does not)', async () => {
    const port = await freePort();
    const once = await run(['peer', '--id', 'early-bob', '--manager', `127.0.0.1:${port}`, '--once', ...ids('early-bob')]);
    assert.equal(once.code, 1);
    assert.match(once.stderr, /E_MANAGER_UNREACHABLE/);
    const bob = proc(['peer', '--id', 'early-bob', '--manager', `127.0.0.1:${port}`, '--allow-any', ...ids('early-bob')]);
    procs.push(bob);
    await bob.waitFor('peer.waiting', 10_000);
    const manager = proc(['manager', '--listen', `127.0.0.1:${port}`, '--udp', '127.0.0.1:0']);
    procs.push(manager);
    await manager.waitFor('manager.ready', 10_000);
    const registered = await bob.waitFor('peer.registered', 20_000);
    assert.equal(registered.id, 'early-bob');
  });

  it('IPv6: a manager on [::1] prints bracketed addresses and a peer registers through it', async function () {
    if (!(await canBind6())) {
      console.log('    skipping IPv6: ::1 cannot be bound here');
      return this.skip();
    }
    const manager = proc(['manager', '--listen', '[::1]:0', '--udp', '[::1]:0']);
    procs.push(manager);
    const ready = await manager.waitFor('manager.ready', 10_000);
    assert.match(String(ready.tcp), /^\[::1\]:\d+$/);
    assert.match(String(ready.udp), /^\[::1\]:\d+$/);
    assert.equal(ready.ws, `wss://${ready.tcp}/`);
    for (const form of [String(ready.tcp), `wss://${ready.tcp}/`]) {
      const bob = proc(['peer', '--id', 'v6-bob', '--manager', form, '--manager-fingerprint', String(ready.pin), '--allow-any', ...ids('v6-bob')]);
      procs.push(bob);
      const reg = await bob.waitFor('peer.registered', 15_000);
      assert.equal(reg.manager, form);
      await bob.stop();
    }
  });

  describe('plugins, config and new-plugin', () => {
    it("README's config example loads without a warning; a missing pluginPaths entry and a skipped plugin are reported", async () => {
      const dir = tmp('readme-config');
      const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
      const example = /## Config[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)![1];
      const app = path.join(dir, 'app');
      fs.mkdirSync(app);
      for (const p of JSON.parse(example).pluginPaths ?? []) fs.mkdirSync(path.resolve(app, p), { recursive: true });
      fs.mkdirSync(path.join(dir, 'my-plugins', 'empty-but-real'), { recursive: true });
      fs.writeFileSync(path.join(app, 'pinhole.config.json'), example);
      const ok = await run(['plugins'], { cwd: app });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stderr.replace(/.*holds no plugin.*\n/g, ''), '', 'no warning but the empty plugin folder made here');
      fs.writeFileSync(path.join(app, 'pinhole.config.json'), JSON.stringify({ pluginPaths: ['./not-there', path.join(ROOT, 'test', 'fixtures', 'plugins-bad')] }));
      const warned = await run(['--help'], { cwd: app });
      assert.match(warned.stderr, /plugin folder .*not-there does not exist; fix the path in pluginPaths of .*pinhole\.config\.json/);
      assert.match(warned.stderr, /plugin "bad-engine" .* is skipped: E_ENGINE_MISMATCH/);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('an unknown directory backend is refused listing the installed ones', async () => {
      const dir = tmp('dir-backend');
      const cfg = path.join(dir, 'c.json');
      fs.writeFileSync(cfg, JSON.stringify({ plugins: { 'manager-server': { options: { directory: 'postgres', udpPort: 0 } } } }));
      const r = await run(['manager', '--listen', '127.0.0.1:0', '--config', cfg]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /E_DIRECTORY_UNKNOWN: no directory backend "postgres" \(installed: memory, redis\); set plugins.manager-server.options.directory/);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('new-plugin: /proc/nope fails at once (no spinning) and a read-only folder names EROFS once', async function () {
      const r = await run(['new-plugin', 'spin-test', '--kind', 'codec', '--dir', '/proc/nope'], { timeoutMs: 10_000 });
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.ms < 9000, 'it returned');
      assert.match(r.stderr, /^pinhole: E_PLUGIN_WRITE: cannot create a plugin in \/proc\/nope: \/proc does not allow creating nope: ENOENT/);
      if (process.getuid?.() !== 0) {
        console.log('    skipping the read-only mount: needs root');
        return;
      }
      const ro = tmp('ro');
      await new Promise<void>((resolve, reject) => execFile('mount', ['--bind', ro, ro], (e) => (e ? reject(e) : execFile('mount', ['-o', 'remount,bind,ro', ro], (e2) => (e2 ? reject(e2) : resolve())))));
      try {
        const r2 = await run(['new-plugin', 'ro-test', '--kind', 'codec', '--dir', path.join(ro, 'sub')]);
        assert.equal(r2.code, 1);
        assert.match(r2.stderr, /does not allow creating sub: EROFS \(read-only file system\)/);
        assert.equal(r2.stderr.match(/EROFS/g)?.length, 1, 'the cause once');
      } finally {
        await new Promise((resolve) => execFile('umount', [ro], resolve));
        fs.rmSync(ro, { recursive: true, force: true });
      }
    });

    it('new-plugin in a repository\'s plugins/ joins the root build and says what to run next', async () => {
      const { newPlugin } = await import('@pinhole/core/host');
      const repo = tmp('repo');
      fs.mkdirSync(path.join(repo, 'plugins'));
      fs.writeFileSync(path.join(repo, 'tsconfig.json'), JSON.stringify({ files: [], references: [{ path: 'core' }, { path: 'test' }] }));
      const res = newPlugin({ name: 'my-l16', kind: 'codec', repoRoot: repo });
      assert.equal(res.addedToBuild, path.join(repo, 'tsconfig.json'));
      const refs = JSON.parse(fs.readFileSync(path.join(repo, 'tsconfig.json'), 'utf8')).references.map((r: { path: string }) => r.path);
      assert.deepEqual(refs, ['core', 'plugins/my-l16', 'test']);
      fs.rmSync(repo, { recursive: true, force: true });
    });
  });
});

/** A 16-bit stereo 44.1 kHz WAV: what a new user's recorder makes. */
function stereoWav(): Buffer {
  const frames = 4410;
  const b = Buffer.alloc(44 + frames * 4);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + frames * 4, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(2, 22);
  b.writeUInt32LE(44100, 24);
  b.writeUInt32LE(44100 * 4, 28);
  b.writeUInt16LE(4, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(frames * 4, 40);
  return b;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function canBind6(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(false)).listen(0, '::1', () => s.close(() => resolve(true)));
  });
}
