import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatY4mHeader, i420Size, VideoError, Y4mStreamParser } from '@pinhole/core';
import { decodeVideoPacket, encodeVideoPacket, FRAGMENT_BYTES, FrameAssembler, MAX_VIDEO_PACKET, Y4mReader, Y4mWriter, type FragmentMsg } from '@pinhole/payload-video';
import { rng } from '../../helpers/rng';

const W = 64;
const H = 48;
const FB = i420Size(W, H);
const header = (extra = '') => `YUV4MPEG2 W${W} H${H} F15:1 Ip A1:1${extra}\n`;
const frame = (fill: number, bytes = FB) => Buffer.concat([Buffer.from('FRAME\n'), Buffer.alloc(bytes, fill)]);

function expectVideoError(fn: () => unknown, code: string, match?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof VideoError, `expected VideoError, got ${(e as Error)?.message}`);
    assert.equal(e.code, code, e.message);
    if (match) assert.match(e.message, match);
    return true;
  });
}

describe('payload-video: bad input', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-y4m-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, ...parts: Array<string | Buffer>) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))));
    return f;
  };

  describe('Y4M files', () => {
    it('reads frames back as written, any even size', () => {
      const f = path.join(dir, 'ok.y4m');
      const w = Y4mWriter.open(f, { width: W, height: H, rateNum: 30000, rateDen: 1001, colorspace: '420jpeg' });
      for (let i = 0; i < 3; i++) w.write({ width: W, height: H, data: Buffer.alloc(FB, i * 40) });
      w.close();
      const r = Y4mReader.open(f);
      assert.deepEqual([r.header.width, r.header.height, r.frameCount, Math.round(r.frameRate * 100)], [W, H, 3, 2997]);
      for (let i = 0; i < 3; i++) assert.equal(r.next()?.data[0], i * 40);
      assert.equal(r.next(), undefined);
      r.close();
    });

    it('truncated: mid-frame, mid-header, or no frame at all → E_Y4M_TRUNCATED with the frame number', () => {
      const midFrame = write('t1.y4m', header(), frame(1), frame(2, FB - 100));
      const r = Y4mReader.open(midFrame);
      r.next();
      expectVideoError(() => r.next(), 'E_Y4M_TRUNCATED', /frame 1/);
      r.close();
      expectVideoError(() => Y4mReader.open(write('t2.y4m', 'YUV4MPEG2 W64 H4')), 'E_Y4M_TRUNCATED');
      expectVideoError(() => Y4mReader.open(write('t3.y4m', header(), 'FRAME\n', Buffer.alloc(10))), 'E_Y4M_TRUNCATED');
    });

    it('unsupported colour space, interlacing, odd or missing sizes, not Y4M → clear errors', () => {
      expectVideoError(() => Y4mReader.open(write('c1.y4m', header(' C444'), frame(1))), 'E_Y4M_COLORSPACE', /C444.*yuv420p/);
      expectVideoError(() => Y4mReader.open(write('c2.y4m', header(' C420p10'), frame(1))), 'E_Y4M_COLORSPACE');
      expectVideoError(() => Y4mReader.open(write('c3.y4m', 'YUV4MPEG2 W64 H48 F15:1 It\n', frame(1))), 'E_Y4M_FORMAT', /interlaced/);
      expectVideoError(() => Y4mReader.open(write('c4.y4m', 'YUV4MPEG2 W63 H48 F15:1\n', frame(1))), 'E_Y4M_FORMAT', /odd/);
      expectVideoError(() => Y4mReader.open(write('c5.y4m', 'YUV4MPEG2 H48 F15:1\n', frame(1))), 'E_Y4M_FORMAT', /W and H/);
      expectVideoError(() => Y4mReader.open(write('c6.y4m', 'RIFF....WAVEfmt \n')), 'E_Y4M_FORMAT', /not a YUV4MPEG2/);
      expectVideoError(() => Y4mReader.open(path.join(dir, 'missing.y4m')), 'E_Y4M_IO');
    });

    it('a frame of the wrong size mid-stream → E_Y4M_FRAME naming the frame', () => {
      const f = write('w.y4m', header(), frame(1), frame(2, FB - 64), frame(3), frame(4));
      const r = Y4mReader.open(f);
      r.next();
      r.next(); // reads FB bytes: the short frame plus the start of the next one
      expectVideoError(() => r.next(), 'E_Y4M_FRAME', /frame 2/);
      r.close();
    });

    it('the stream parser (ffmpeg pipes) takes frames split anywhere and refuses stray bytes', () => {
      const bytes = Buffer.concat([Buffer.from(formatY4mHeader({ width: W, height: H, rateNum: 15, rateDen: 1, colorspace: '420jpeg' })), frame(7), frame(8)]);
      const p = new Y4mStreamParser();
      const got = [];
      for (let at = 0; at < bytes.length; at += 777) got.push(...p.push(bytes.subarray(at, at + 777)));
      assert.deepEqual(got.map((f) => f.data[0]), [7, 8]);
      assert.throws(() => p.push(Buffer.from('GARBAGE\n')), (e: unknown) => (e as VideoError).code === 'E_Y4M_FRAME');
    });
  });

  describe('video datagrams and fragments', () => {
    const frag = (o: Partial<FragmentMsg>): FragmentMsg => ({
      ssrc: 1,
      seq: 0,
      frameId: 0,
      sourceIndex: 0,
      keyframe: false,
      offset: 0,
      total: 3000,
      captureMs: 0,
      sendMs: 0,
      retransmit: false,
      payload: Buffer.alloc(FRAGMENT_BYTES, 1),
      ...o,
    });

    it('a full fragment fits the datagram budget; oversize and garbage packets are E_VIDEO_PACKET', () => {
      const big = encodeVideoPacket({ fragment: frag({ seq: 0xfffffff0, frameId: 0xfffffff0, sourceIndex: 0xfffffff0, offset: 0xfffff000, total: 0xfffffff0, captureMs: 1e12, sendMs: 1e12, keyframe: true, retransmit: true }) });
      assert.ok(big.length <= MAX_VIDEO_PACKET, `${big.length} bytes`);
      assert.throws(() => decodeVideoPacket(Buffer.alloc(MAX_VIDEO_PACKET + 1)), (e: unknown) => (e as VideoError).code === 'E_VIDEO_PACKET');
      const r = rng(3);
      for (let i = 0; i < 500; i++) {
        try {
          decodeVideoPacket(r.bytes(r.int(0, 300)));
        } catch (e) {
          assert.equal((e as VideoError).code, 'E_VIDEO_PACKET');
        }
      }
    });

    it('reassembles in any order; wrong frame ids, overlapping or off-grid offsets, oversize or inconsistent totals are counted drops', () => {
      const a = new FrameAssembler({ maxFrameBytes: 100_000, maxBufferBytes: 1_000_000, maxFramesAhead: 64 });
      const parts = [2200, 0, 1100].map((offset) => frag({ offset, payload: Buffer.alloc(offset === 2200 ? 800 : FRAGMENT_BYTES, offset / 1100 + 1) }));
      assert.equal(a.add(parts[0], 1), 'ok');
      assert.equal(a.add(parts[0], 2), 'duplicate');
      assert.equal(a.add(frag({ offset: 550 }), 2), 'malformed', 'off the 1100-byte grid (overlaps)');
      assert.equal(a.add(frag({ offset: 2200, payload: Buffer.alloc(700) }), 2), 'malformed', 'same offset, other length');
      assert.equal(a.add(frag({ offset: 1100, total: 5000 }), 2), 'malformed', 'total differs from the frame');
      assert.equal(a.add(frag({ offset: 2200, total: 2400, payload: Buffer.alloc(800) }), 2), 'malformed', 'runs past the end');
      assert.equal(a.add(frag({ frameId: 1, total: 100_001 }), 2), 'malformed', 'total over the cap');
      assert.equal(a.add(frag({ frameId: 65 }), 2), 'malformed', 'frame id far ahead');
      assert.equal(a.add(frag({ offset: 1100, keyframe: true }), 2), 'malformed', 'keyframe flag differs');
      assert.equal(a.add(parts[1], 3), 'ok');
      assert.equal(a.add(parts[2], 4), 'ok');
      const f = a.get(0);
      assert.ok(f?.data && f.data.length === 3000 && f.data[0] === 1 && f.data[1100] === 2 && f.data[2999] === 3);
      a.advance();
      assert.equal(a.add(parts[1], 5), 'late', 'an id already played');
    });

    it('memory stays bounded under a flood of garbage fragments', () => {
      const limits = { maxFrameBytes: 200_000, maxBufferBytes: 2_000_000, maxFramesAhead: 64 };
      const a = new FrameAssembler(limits);
      const r = rng(11);
      const counts: Record<string, number> = {};
      for (let i = 0; i < 50_000; i++) {
        const total = r.int(1, 400_000);
        const offset = r.int(0, 300) * FRAGMENT_BYTES;
        const len = r.next() < 0.8 ? FRAGMENT_BYTES : r.int(1, FRAGMENT_BYTES);
        const out = a.add(frag({ frameId: r.int(0, 5000), total, offset, payload: Buffer.alloc(len), keyframe: r.next() < 0.5 }), i);
        counts[out] = (counts[out] ?? 0) + 1;
        assert.ok(a.bufferedBytes <= limits.maxBufferBytes && a.size <= limits.maxFramesAhead + 1, `bounded: ${a.bufferedBytes} bytes in ${a.size} frames`);
      }
      assert.ok(counts.malformed > 40_000, JSON.stringify(counts));
    });
  });
});
