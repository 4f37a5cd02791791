/**
 * Video across real firewalls (root): `pinhole peer --inbox --video` on b and `pinhole call
 * --video --record` on a, each a real process in its namespace, through filter × nat with loss
 * and delay, a blackout, and a rate-limited path. Quality is measured against the source with
 * ffmpeg's psnr filter; the recordings hold one frame per source frame, so frame n compares to
 * frame n (frames that never came repeat the last one shown, as a viewer would see them).
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkLabPrerequisites, Lab, MANAGER_ADDRESS, type NdjsonProc } from '@pinhole/lab';
import { identityArgs, startPinhole } from '../helpers/lab-procs';
import { haveFfmpeg, makeClip, psnr } from '../helpers/video';

const PREFIX = `phv${process.pid}`;
const MANAGER = `${MANAGER_ADDRESS}:8080`;
type Ev = Record<string, unknown>;

interface Run {
  code: number;
  caller: NdjsonProc;
  callee: NdjsonProc;
  mine: Ev;
  theirs: Ev;
  inboxVideo: string;
}

async function videoCall(lab: Lab, dir: string, o: { send: string; reply: string; codec: string; config?: string; during?: (caller: NdjsonProc) => Promise<void> }): Promise<Run> {
  const cfg = o.config ? ['--config', o.config] : [];
  const inbox = fs.mkdtempSync(path.join(dir, 'inbox-'));
  const back = path.join(dir, `back-${o.codec}.y4m`);
  const manager = startPinhole(lab, 'manager', ['manager', '--listen', MANAGER, '--udp', `${MANAGER_ADDRESS}:3478`]);
  const procs = [manager];
  try {
    await manager.waitFor('manager.ready', 15000);
    const callee = startPinhole(lab, 'b', ['peer', '--id', 'bob', '--manager', MANAGER, '--allow-any', ...identityArgs('video-bob'), '--inbox', inbox, '--video', o.reply, ...cfg]);
    procs.push(callee);
    await callee.waitFor('peer.registered', 15000);
    const caller = startPinhole(lab, 'a', ['call', 'bob', '--id', 'alice', '--manager', MANAGER, ...identityArgs('video-alice'), '--pings', '2', '--video', o.send, '--video-codec', o.codec, '--record', back, ...cfg]);
    procs.push(caller);
    const during = o.during?.(caller);
    const code: number = await Promise.race([caller.exited, new Promise<number>((r) => setTimeout(() => r(-2), 90000))]);
    await during;
    await new Promise((r) => setTimeout(r, 1000));
    const mine = caller.events.find((e) => e.event === 'video.stats') as Ev;
    const theirs = callee.events.find((e) => e.event === 'video.stats') as Ev;
    assert.equal(code, 0, JSON.stringify(caller.events.filter((e) => e.event !== 'video.progress')) + caller.stderr.join('\n'));
    assert.ok(mine && theirs, `both sides print video.stats: ${callee.stderr.join('\n')}`);
    const recorded = fs.readdirSync(inbox).filter((f) => f.endsWith('.y4m'));
    assert.equal(recorded.length, 1, 'the peer recorded the call into its inbox');
    return { code, caller, callee, mine, theirs, inboxVideo: path.join(inbox, recorded[0]) };
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
}

const n = (v: unknown) => Number(v ?? 0);

describe('lab: video across real firewalls', function () {
  this.timeout(180000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-lab-video-'));
  let clipA = '';
  let clipB = '';
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  before(function () {
    const pre = checkLabPrerequisites({ delayMs: 20 });
    if (!pre.ok) {
      console.log(`    skipping lab video: ${pre.missing.join('; ')}`);
      return this.skip();
    }
    if (!haveFfmpeg()) {
      console.log('    skipping lab video: ffmpeg with libvpx is missing (Debian package ffmpeg)');
      return this.skip();
    }
  });

  describe('filter × nat, 2 % loss on each router, 20 ms delay per WAN link', () => {
    let lab: Lab;
    before(async () => (lab = await Lab.up({ a: 'filter', b: 'nat', loss: 20, delayMs: 20, prefix: PREFIX })));
    after(async () => lab?.down());

    // mjpeg's own thresholds: jpeg-js takes 100–600 ms per 640×480 frame and 30–300 ms per
    // 160×120 frame on a loaded 2-core machine (bench/video.js), so its call runs at 160×120,
    // 5 fps; every frame is a keyframe, so a lost frame costs only itself: ≥ 90 % and 28 dB.
    for (const [codec, w, h, fps, minShare, minDb] of [
      ['vp8', 640, 480, 15, 0.97, 32],
      ['mjpeg', 160, 120, 5, 0.9, 28],
    ] as const) {
      it(`${codec} ${w}×${h} ${fps} fps for 10 s both ways: ≥ ${minShare * 100} % of frames shown, mean PSNR ≥ ${minDb} dB`, async () => {
        clipA = makeClip(dir, `a-${codec}`, { width: w, height: h, fps, seconds: 10 });
        clipB = makeClip(dir, `b-${codec}`, { width: w, height: h, fps, seconds: 10, source: 'testsrc' });
        const r = await videoCall(lab, dir, { send: clipA, reply: clipB, codec });
        assert.equal(r.mine.codec, codec);
        const source = 10 * fps;
        for (const [src, rec, st, sender, who] of [
          [clipA, r.inboxVideo, r.theirs, r.mine, 'a → b'],
          [clipB, path.join(dir, `back-${codec}.y4m`), r.mine, r.theirs, 'b → a'],
        ] as const) {
          const q = psnr(rec, src);
          // Frames the sender did not encode never reached the network: those its encoder could
          // not take in time (a CPU-starved machine), and those its rate control held back when
          // the estimate dipped under a loss burst (WebRTC's qualityLimitationReason "bandwidth").
          // The path is judged on the frames sent; the rate control, on holding back few (≤ 20 %:
          // 0–11 of 150 on this path; a decimator that skipped every other frame showed 95–100 of
          // 150); the picture quality
          // only when the encoder kept up (≤ 3 % skipped for CPU).
          const cpuSkipped = n(sender.framesSkippedCpu);
          const rateSkipped = n(sender.framesSkippedBandwidth);
          const offered = n(sender.framesSent);
          const shown = n(st.framesDecoded) / offered;
          console.log(
            `      ${codec} ${who}: ${n(st.framesDecoded)}/${offered} frames sent were shown (of ${source}: ${cpuSkipped} skipped by a busy encoder, ${rateSkipped} held back by the rate control), PSNR ${q.mean.toFixed(1)} dB (min ${q.min.toFixed(1)}), lost ${n(st.packetsLost)} recovered ${n(st.packetsRecovered)}, dropped ${n(st.framesDropped)}, freezes ${n(st.freezeCount)}, rtt ${n(st.rttMs)} ms, playout ${n(st.playoutDelayMs)} ms`,
          );
          assert.equal(q.frames, source, `${who}: the recording holds every source frame`);
          assert.equal(offered + cpuSkipped + rateSkipped, source, `${who}: every source frame was sent or skipped for a stated reason`);
          assert.ok(shown >= minShare, `${who}: ${(shown * 100).toFixed(1)} % of the frames sent were shown`);
          assert.ok(rateSkipped <= 0.2 * source, `${who}: the rate control held back ${rateSkipped} of ${source} frames`);
          if (cpuSkipped <= 0.03 * source) assert.ok(q.mean >= minDb, `${who}: PSNR ${q.mean.toFixed(1)} dB`);
          else console.log(`      ${who}: PSNR not judged: the encoder skipped ${cpuSkipped} of ${source} frames for want of CPU (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs)`);
          assert.ok(n(st.packetsRecovered) > 0, `${who}: losses were repaired by NACK`);
        }
      });
    }

    it('a 500 ms blackout mid-call: video recovers within 1.5 s after the path returns, the freeze is reported', async () => {
      const clip = makeClip(dir, 'blackout', { width: 320, height: 240, fps: 15, seconds: 8 });
      const blackout = async (caller: NdjsonProc) => {
        await caller.waitFor('video.started', 30000);
        await new Promise((r) => setTimeout(r, 3000));
        // Everything a's router forwards is dropped, both ways, for 500 ms.
        const nft = async (args: string) => {
          const res = await lab.run('ra', ['nft', ...args.split(' ')], { timeoutMs: 5000 });
          assert.equal(res.code, 0, `nft ${args}: ${res.stderr}`);
        };
        await nft('add table ip blackout');
        await nft('add chain ip blackout dark { type filter hook forward priority -10 ; policy drop ; }');
        await new Promise((r) => setTimeout(r, 500));
        await nft('delete table ip blackout');
      };
      // A frame buffer of at most 300 ms cannot hide a 500 ms blackout: it must show as a freeze.
      const config = path.join(dir, 'blackout.json');
      fs.writeFileSync(config, JSON.stringify({ plugins: { 'payload-video': { options: { maxDelayMs: 300 } } } }));
      const r = await videoCall(lab, dir, { send: clip, reply: clip, codec: 'vp8', config, during: blackout });
      const st = r.theirs;
      console.log(`      blackout a → b: freezes ${n(st.freezeCount)}, longest ${n(st.longestFreezeMs)} ms, keyframes ${n(st.keyframesReceived)}, PLI ${n(st.pliSent)}, shown ${n(st.framesDecoded)}/120`);
      assert.ok(n(st.freezeCount) >= 1, 'the freeze is reported');
      // The freeze runs from the last frame shown before the path went dark to the first after
      // it returned: 500 ms of blackout + the recovery. The recovery is a PLI and a keyframe,
      // which codec-vp8 makes by switching to its warm spare encoder process: 0.15–0.9 s after the
      // path returns in 9 of 10 runs, 1.37 s once the spare had just been spent on a rate change
      // and a new ffmpeg process had to start. Bound: within 1.5 s.
      assert.ok(n(st.longestFreezeMs) <= 500 + 1500, `longest freeze ${n(st.longestFreezeMs)} ms`);
      assert.ok(n(st.framesDecoded) >= 0.6 * 120, `video continued after the blackout: ${n(st.framesDecoded)} frames shown`);
    });
  });

  describe('rate-limited path: 1 Mbit/s on each router, filter × nat', () => {
    let lab: Lab;
    before(async () => (lab = await Lab.up({ a: 'filter', b: 'nat', rateMbit: 1, prefix: PREFIX })));
    after(async () => lab?.down());

    it('the estimator settles under the limit within 5 s, loss stays under 2 %, video continues', async () => {
      // 320×240 with grain on every frame: cheap to encode, yet able to fill any bitrate.
      const clip = makeClip(dir, 'rate', { width: 320, height: 240, fps: 15, seconds: 12, noise: true });
      const still = makeClip(dir, 'rate-reply', { width: 160, height: 120, fps: 15, seconds: 12 });
      // Start well above the limit, so the estimator has to find it.
      const config = path.join(dir, 'rate.json');
      fs.writeFileSync(config, JSON.stringify({ plugins: { 'payload-video': { options: { startBitrate: 1_500_000 } } } }));
      const r = await videoCall(lab, dir, { send: clip, reply: still, codec: 'vp8', config });
      const progress = r.caller.events.filter((e) => e.event === 'video.progress');
      const t0 = Date.parse(String(progress[0]?.ts));
      const late = progress.filter((e) => Date.parse(String(e.ts)) - t0 >= 5000);
      // What leaves follows the target within a second (frames skipped until the encoder has switched).
      const sent = progress.filter((e) => Date.parse(String(e.ts)) - t0 >= 6000).map((e) => n(e.sendKbps));
      const targets = late.map((e) => n(e.targetKbps));
      const losses = late.map((e) => n(e.lossPercent));
      console.log(`      after 5 s, target (kbit/s): ${targets.join(' ')}; sent after 6 s: ${sent.join(' ')}; loss %: ${losses.join(' ')}; peer showed ${n(r.theirs.framesDecoded)} frames, ${n(r.theirs.freezeCount)} freezes`);
      console.log(`      first 5 s, target: ${progress.filter((e) => !late.includes(e)).map((e) => n(e.targetKbps)).join(' ')}`);
      assert.ok(late.length >= 4, `progress kept coming: ${progress.length} events`);
      assert.ok(targets.every((t) => t <= 1000), `target stays under 1000 kbit/s after 5 s: ${targets.join(', ')}`);
      assert.ok(sent.every((t) => t <= 1000), `what leaves stays under 1000 kbit/s after 6 s: ${sent.join(', ')}`);
      const meanLoss = losses.reduce((s, x) => s + x, 0) / losses.length;
      assert.ok(meanLoss < 2, `sustained loss ${meanLoss.toFixed(2)} % after settling`);
      assert.ok(n(r.theirs.framesDecoded) >= 0.5 * 12 * 15, `video continued: ${n(r.theirs.framesDecoded)} frames shown`);
    });
  });
});
