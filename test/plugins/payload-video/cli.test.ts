import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { identityArgs } from '../../helpers/lab-procs';
import { NdjsonProc } from '@pinhole/lab';
import { writeWav } from '@pinhole/payload-voice';
import { haveFfmpeg, makeClip, psnr } from '../../helpers/video';

const BIN = path.resolve(__dirname, '..', '..', '..', '..', 'core', 'bin', 'pinhole.js');
const pinhole = (args: string[], json = true) => new NdjsonProc(spawn(process.execPath, [BIN, ...args, ...(json ? ['--json'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] }));

describe('cli: pinhole call --video / pinhole peer --video --inbox', function () {
  this.timeout(90000);
  const procs: NdjsonProc[] = [];
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-video-cli-'))));
  after(async () => {
    for (const p of procs.reverse()) await p.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a bad Y4M before calling anyone (clear code, exit 1)', async () => {
    const bad = path.join(dir, 'bad.y4m');
    fs.writeFileSync(bad, 'YUV4MPEG2 W64 H48 F15:1 C444\nFRAME\n');
    const call = pinhole(['call', 'bob', '--id', 'alice', '--manager', '127.0.0.1:9', '--video', bad]);
    assert.equal(await call.exited, 1);
    // Checked with the other local files, before registering: the one error line every command prints.
    const failed = call.events.find((e) => e.event === 'error');
    assert.equal(failed?.code, 'E_Y4M_COLORSPACE', JSON.stringify(call.events));
    assert.ok(!call.events.some((e) => e.event === 'peer.registered'), 'nothing was registered');
  });

  it('voice and video both ways on one session: recordings in the inbox and back, video.stats and live video.progress', async function () {
    if (!haveFfmpeg()) {
      console.log('      skipping: ffmpeg with libvpx is missing (Debian package ffmpeg)');
      return this.skip();
    }
    const a = makeClip(dir, 'a', { width: 320, height: 240, fps: 15, seconds: 3 });
    const b = makeClip(dir, 'b', { width: 320, height: 240, fps: 15, seconds: 3, source: 'mandelbrot' });
    const wav = path.join(dir, 'say.wav');
    // 3 s of a 440 Hz tone, 8 kHz 16-bit mono (no sox needed).
    const tone = new Int16Array(24000).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    writeWav(wav, { sampleRate: 8000, samples: tone });
    const inbox = path.join(dir, 'inbox');
    fs.mkdirSync(inbox);
    const manager = pinhole(['manager', '--listen', '127.0.0.1:0', '--udp', '127.0.0.1:0']);
    procs.push(manager);
    const ready = await manager.waitFor('manager.ready', 15000);
    const peer = pinhole(['peer', '--id', 'video-cli-bob', '--manager', String(ready.tcp), '--manager-fingerprint', String(ready.pin), '--allow-any', ...identityArgs('video-cli-bob'), '--udp-host', '127.0.0.1', '--inbox', inbox, '--video', b]);
    procs.push(peer);
    await peer.waitFor('peer.registered', 15000);
    const back = path.join(dir, 'back.y4m');
    const call = pinhole(['call', 'video-cli-bob', '--id', 'video-cli-alice', '--manager', String(ready.tcp), '--manager-fingerprint', String(ready.pin), ...identityArgs('video-cli-alice'), '--pings', '1', '--voice', wav, '--video', a, '--video-codec', 'vp8', '--record', back]);
    procs.push(call);
    assert.equal(await call.exited, 0, JSON.stringify(call.events) + call.stderr.join('\n'));
    const stats = call.events.find((e) => e.event === 'video.stats');
    assert.ok(stats && stats.codec === 'vp8' && (stats.framesSent as number) > 0, JSON.stringify(stats));
    assert.ok(typeof stats.avOffsetMs === 'number', `A/V offset reported with voice on the same session: ${JSON.stringify(stats)}`);
    assert.ok(call.events.some((e) => e.event === 'voice.stats'), 'voice ran too');
    assert.ok(call.events.some((e) => e.event === 'video.progress' && typeof e.sendKbps === 'number'), 'live figures each second');
    await new Promise((r) => setTimeout(r, 1500));
    const recorded = fs.readdirSync(inbox).filter((f) => f.endsWith('.y4m'));
    assert.equal(recorded.length, 1, `the peer recorded the video: ${fs.readdirSync(inbox).join(', ')}`);
    const q = psnr(path.join(inbox, recorded[0]), a);
    assert.equal(q.frames, 45, 'the inbox recording has every source frame');
    assert.ok(q.mean > 20, `PSNR ${q.mean.toFixed(1)} dB`);
    assert.equal(psnr(back, b).frames, 45, 'the caller recorded the reply');
  });

  it('shows live bitrate and frame rate in human output', async function () {
    if (!haveFfmpeg()) {
      console.log('      skipping: ffmpeg not found (apt-get install ffmpeg; .ci/run installs it)');
      return this.skip();
    }
    const manager = pinhole(['manager', '--listen', '127.0.0.1:0', '--udp', '127.0.0.1:0']);
    procs.push(manager);
    const ready = await manager.waitFor('manager.ready', 15000);
    const peer = pinhole(['peer', '--id', 'video-cli-carol', '--manager', String(ready.tcp), '--manager-fingerprint', String(ready.pin), '--allow-any', ...identityArgs('video-cli-carol'), '--udp-host', '127.0.0.1', '--inbox', dir]);
    procs.push(peer);
    await peer.waitFor('peer.registered', 15000);
    const a = makeClip(dir, 'h', { width: 160, height: 120, fps: 15, seconds: 3 });
    const child = spawn(process.execPath, [BIN, 'call', 'video-cli-carol', '--id', 'video-cli-dave', '--manager', String(ready.tcp), '--manager-fingerprint', String(ready.pin), ...identityArgs('video-cli-dave'), '--pings', '1', '--video', a], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 0, out);
    assert.match(out, /video {2}send \d+ kbit\/s [\d.]+ fps \(target \d+\) {2}recv \d+ kbit\/s \d+ fps/);
    assert.match(out, /video\.stats .*framesSent=\d+/);
  });
});
