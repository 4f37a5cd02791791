'use strict';
// Video: (1) codec throughput at 640×480 per CPU core: encode and decode frames per CPU-second
// (process + its ffmpeg children, measured with /usr/bin/time) for vp8 (libvpx via ffmpeg child
// processes, frames over pipes) and mjpeg (jpeg-js in a worker), against ffmpeg alone doing the
// same work on the same frames in the same run; (2) glass-to-glass latency of a loopback call
// (frame read from the Y4M → shown at the receiver), against half the datagram RTT of the same
// sessions; (3) fragmentation + reassembly throughput against raw datagram slicing and copying.
require('reflect-metadata');
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { median, machine } = require('./lib');

const W = 640;
const H = 480;
const FRAMES = Number(process.env.BENCH_VIDEO_FRAMES || 90);
const CALL_SECONDS = Number(process.env.BENCH_CALL_SECONDS || 6);

function clip(dir, name, w, h, fps, seconds, source = 'testsrc2') {
  const f = path.join(dir, `${name}.y4m`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `${source}=size=${w}x${h}:rate=${fps}`, '-t', String(seconds), '-pix_fmt', 'yuv420p', '-y', f]);
  return f;
}

/** CPU seconds (user + sys, children included) and wall seconds of a command. */
function timed(argv) {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %e', ...argv], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr.slice(-500)}`);
  const [u, s, e] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { cpu: u + s, wall: e, stdout: r.stdout };
}

// ---- child mode: encode or decode FRAMES frames through a Pinhole codec, serially ----
async function codecChild(codecName, mode, y4m, encoded) {
  const { Host, VideoCodec, contributionProvider, createLogger } = require('@pinhole/core');
  const { Y4mReader } = require('@pinhole/payload-video');
  const host = new Host({ config: {}, log: createLogger({ level: 'silent' }) });
  await host.plugins.activateByEvent('onPayload:video');
  const codec = contributionProvider(host.container, VideoCodec).getContributions().find((c) => c.name === codecName);
  const r = Y4mReader.open(y4m);
  const frames = [];
  for (let f; (f = r.next()) && frames.length < FRAMES; ) frames.push(f);
  if (mode === 'enc') {
    const enc = await codec.createEncoder({ width: W, height: H, frameRate: 15, bitrate: 1_000_000 });
    const out = [];
    for (const f of frames) out.push((await enc.encode(f)).data);
    await enc.dispose();
    fs.writeFileSync(encoded, Buffer.concat(out.flatMap((b) => [Buffer.from(Uint32Array.of(b.length).buffer), b])));
  } else {
    const buf = fs.readFileSync(encoded);
    const dec = await codec.createDecoder({ width: W, height: H });
    for (let at = 0; at < buf.length; ) {
      const n = buf.readUInt32LE(at);
      await dec.decode(buf.subarray(at + 4, at + 4 + n));
      at += 4 + n;
    }
    await dec.dispose();
  }
  await host.dispose();
}

function codecThroughput(dir, y4m) {
  const rows = [];
  const nodeRun = (codec, mode, enc) => timed([process.execPath, __filename, '--child', codec, mode, y4m, enc]);
  const startup = timed([process.execPath, __filename, '--child', 'none']); // host start-up alone, subtracted
  for (const codec of ['vp8', 'mjpeg']) {
    const enc = path.join(dir, `${codec}.bin`);
    const e = nodeRun(codec, 'enc', enc);
    const d = nodeRun(codec, 'dec', enc);
    const ff = codec === 'vp8' ? ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-threads', '1', '-b:v', '1000k', '-lag-in-frames', '0', '-error-resilient', '1'] : ['-c:v', 'mjpeg', '-q:v', '5', '-threads', '1'];
    const ffOut = path.join(dir, codec === 'vp8' ? 'ff.ivf' : 'ff.avi');
    const fe = timed(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-i', y4m, '-frames:v', String(FRAMES), ...ff, '-y', ffOut]);
    const fd = timed(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-threads', '1', '-i', ffOut, '-f', 'null', '-']);
    const per = (t) => FRAMES / Math.max(0.01, t.cpu - startup.cpu);
    const ffPer = (t) => FRAMES / Math.max(0.01, t.cpu);
    rows.push({ codec, enc: per(e), dec: per(d), ffEnc: ffPer(fe), ffDec: ffPer(fd) });
  }
  return rows;
}

async function latency(dir) {
  const { Host, MediaTransportFactory, VideoService, createLogger } = require('@pinhole/core');
  const pv = require('@pinhole/payload-video');
  const host = new Host({ config: { log: { level: 'silent' } }, log: createLogger({ level: 'silent' }) });
  await host.plugins.activate('media-udp');
  await host.plugins.activateByEvent('onPayload:video');
  const read = new Map();
  const shown = new Map();
  const origNext = pv.Y4mReader.prototype.next;
  pv.Y4mReader.prototype.next = function () {
    const f = origNext.call(this);
    if (f) read.set(this.__n = (this.__n ?? -1) + 1, performance.now());
    return f;
  };
  const origShow = pv.VideoRecorder.prototype.show;
  pv.VideoRecorder.prototype.show = function (i, f) {
    if (!shown.has(i)) shown.set(i, performance.now());
    return origShow.call(this, i, f);
  };
  const out = [];
  for (const [codec, w, h, fps] of [
    ['vp8', 640, 480, 15],
    ['mjpeg', 320, 240, 5],
  ]) {
    read.clear();
    shown.clear();
    const factory = host.container.get(MediaTransportFactory);
    const a = await factory.create({ host: '127.0.0.1' });
    const b = await factory.create({ host: '127.0.0.1' });
    const addr = (t) => ({ address: '127.0.0.1', port: t.socket.localPort });
    const as = a.openSession({ callId: `lat-${codec}`, role: 'caller', localEndpoint: 11, remoteEndpoint: 22, remote: addr(b), keepaliveMs: 0 });
    const bs = b.openSession({ callId: `lat-${codec}`, role: 'callee', localEndpoint: 22, remoteEndpoint: 11, remote: addr(a), keepaliveMs: 0 });
    const rtts = [];
    for (let i = 0; i < 10; i++) rtts.push(await as.ping());
    const video = host.container.get(VideoService);
    const input = clip(dir, `lat-${codec}`, w, h, fps, CALL_SECONDS);
    const [x, y] = await Promise.all([
      video.start({ callId: `lat-${codec}`, role: 'caller', session: as }, { input, codec }),
      video.start({ callId: `lat-${codec}`, role: 'callee', session: bs }, { record: path.join(dir, `lat-${codec}-rec.y4m`) }),
    ]);
    await Promise.all([x.finished, y.finished]);
    const st = await y.stop();
    await x.stop();
    const g2g = [...shown].filter(([i]) => read.has(i)).map(([i, t]) => t - read.get(i)).sort((p, q) => p - q);
    out.push({ codec, w, h, fps, median: median(g2g), p95: g2g[Math.floor(0.95 * (g2g.length - 1))], shown: g2g.length, frames: CALL_SECONDS * fps, playout: st.playoutDelayMs, halfRtt: median(rtts) / 2 });
    await as.close();
    await bs.close();
    await a.close();
    await b.close();
  }
  await host.dispose();
  return out;
}

/** vp8: how long a keyframe request and a rate change take with the spare warm (ms and frames at 15 fps), and a cold restart for comparison. */
async function vp8Switches(y4m) {
  const { Host, VideoCodec, contributionProvider, createLogger } = require('@pinhole/core');
  const { Y4mReader } = require('@pinhole/payload-video');
  const host = new Host({ config: {}, log: createLogger({ level: 'silent' }) });
  await host.plugins.activateByEvent('onPayload:video');
  const codec = contributionProvider(host.container, VideoCodec).getContributions().find((c) => c.name === 'vp8');
  const r = Y4mReader.open(y4m);
  const frames = [];
  for (let f; (f = r.next()) && frames.length < 60; ) frames.push(f);
  const t0 = performance.now();
  const enc = await codec.createEncoder({ width: W, height: H, frameRate: 15, bitrate: 800_000 });
  const cold = performance.now() - t0;
  let i = 0;
  const next = async () => {
    await new Promise((res) => setTimeout(res, 1000 / 15));
    return enc.encode(frames[i++ % frames.length]);
  };
  for (let k = 0; k < 45; k++) await next(); // 3 s: the spare is warm
  const out = {};
  let t = performance.now();
  enc.requestKeyframe();
  for (let k = 1; ; k++) if ((await next()).keyframe) { out.keyframe = { ms: performance.now() - t, frames: k }; break; }
  for (let k = 0; k < 30; k++) await next();
  t = performance.now();
  enc.configure({ bitrate: 400_000 });
  for (let k = 1; k < 200; k++) {
    await next();
    if (enc.settings.bitrate === 400_000) { out.rate = { ms: performance.now() - t, frames: k }; break; }
  }
  await enc.dispose();
  await host.dispose();
  return { ...out, cold };
}

function fragmentation() {
  const { encodeVideoPacket, decodeVideoPacket, FrameAssembler, FRAGMENT_BYTES, MAX_VIDEO_PACKET } = require('@pinhole/payload-video');
  const frame = require('crypto').randomBytes(30_000);
  const ms = 1500;
  // Pinhole: Fragment protobufs of ≤ 1100 payload bytes, decoded (size-capped) and reassembled.
  let bytes = 0;
  let id = 0;
  let t0 = performance.now();
  const asm = new FrameAssembler({ maxFrameBytes: 1 << 22, maxBufferBytes: 1 << 24, maxFramesAhead: 64 });
  let seq = 0;
  while (performance.now() - t0 < ms) {
    const frameId = id++;
    for (let off = 0; off < frame.length; off += FRAGMENT_BYTES) {
      const pkt = encodeVideoPacket({ fragment: { ssrc: 1, seq: seq++, frameId, sourceIndex: frameId, keyframe: false, offset: off, total: frame.length, captureMs: 1, sendMs: 2, retransmit: false, payload: frame.subarray(off, off + FRAGMENT_BYTES) } });
      asm.add(decodeVideoPacket(pkt).fragment, 0);
    }
    asm.advance();
    bytes += frame.length;
  }
  const pinhole = bytes / ((performance.now() - t0) / 1000);
  // Baseline: raw datagrams — slice into MAX_VIDEO_PACKET pieces and copy them back together.
  bytes = 0;
  t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const parts = [];
    for (let off = 0; off < frame.length; off += MAX_VIDEO_PACKET) parts.push(Buffer.from(frame.subarray(off, off + MAX_VIDEO_PACKET)));
    Buffer.concat(parts);
    bytes += frame.length;
  }
  return { pinhole, raw: bytes / ((performance.now() - t0) / 1000) };
}

async function main() {
  if (process.argv[2] === '--child') {
    if (process.argv[3] !== 'none') await codecChild(process.argv[3], process.argv[4], process.argv[5], process.argv[6]);
    else {
      const { Host, createLogger } = require('@pinhole/core');
      const host = new Host({ config: {}, log: createLogger({ level: 'silent' }) });
      await host.plugins.activateByEvent('onPayload:video');
      await host.dispose();
    }
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-bench-video-'));
  try {
    console.log(`# video — ${machine()} — load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    const y4m = clip(dir, 'src', W, H, 15, Math.ceil(FRAMES / 15));
    console.log(`## codec throughput at ${W}×${H}, ${FRAMES} frames, frames per CPU-second (process + ffmpeg children; host start-up subtracted)`);
    console.log('| codec | encode f/s | ffmpeg alone | ratio | decode f/s | ffmpeg alone | ratio |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of codecThroughput(dir, y4m))
      console.log(`| ${r.codec} | ${r.enc.toFixed(1)} | ${r.ffEnc.toFixed(1)} | ${(r.enc / r.ffEnc).toFixed(2)} | ${r.dec.toFixed(1)} | ${r.ffDec.toFixed(1)} | ${(r.dec / r.ffDec).toFixed(2)} |`);
    const sw = await vp8Switches(y4m);
    console.log('## vp8 keyframe request and rate change (warm spare process), frames fed at 15 fps');
    console.log('| what | ms | frames | baseline: cold encoder start ms |\n|---|---:|---:|---:|');
    console.log(`| keyframe on request | ${sw.keyframe.ms.toFixed(0)} | ${sw.keyframe.frames} | ${sw.cold.toFixed(0)} |`);
    console.log(`| bitrate 800 → 400 kbit/s in force | ${sw.rate ? sw.rate.ms.toFixed(0) : 'n/a'} | ${sw.rate ? sw.rate.frames : 'n/a'} | ${sw.cold.toFixed(0)} |`);
    console.log(`## glass-to-glass latency of a loopback call (Y4M frame read → shown at the receiver), ${CALL_SECONDS} s`);
    console.log('| codec | size | median ms | p95 ms | frames shown | playout delay ms | baseline: RTT/2 ms | ratio |');
    console.log('|---|---|---:|---:|---:|---:|---:|---:|');
    for (const r of await latency(dir))
      console.log(`| ${r.codec} | ${r.w}×${r.h} ${r.fps} fps | ${r.median.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.shown}/${r.frames} | ${r.playout} | ${r.halfRtt.toFixed(2)} | ${(r.median / r.halfRtt).toFixed(0)} |`);
    const f = fragmentation();
    console.log('## fragmentation + reassembly of 30 kB frames (protobuf Fragments, size-capped decode, FrameAssembler) vs raw datagram slicing + copy');
    console.log(`| pinhole MB/s | raw MB/s | ratio |\n|---:|---:|---:|\n| ${(f.pinhole / 1e6).toFixed(1)} | ${(f.raw / 1e6).toFixed(1)} | ${(f.pinhole / f.raw).toFixed(3)} |`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
