import { strict as assert } from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Codec, createLogger, type Codec as CodecT } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import codecCompliance from '../compliance/codec';
import { speechLike } from '../helpers/audio';

/** The codecs as a consumer finds them: activated by their event, picked by name among every bound Codec. */
async function g711(host: Host, name: string): Promise<CodecT> {
  const codec = (await host.services.loadAll<CodecT>(Codec, `onCodec:${name}`)).find((c) => c.name === name);
  assert.ok(codec, `codec-g711 binds a Codec named ${name}`);
  return codec;
}

const hasSox = spawnSync('sox', ['--version']).status === 0;

function wav16(file: string, rate: number, samples: Int16Array): void {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + samples.byteLength, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(samples.byteLength, 40);
  fs.writeFileSync(file, Buffer.concat([h, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]));
}

for (const isolation of ['none', 'worker'] as const)
  describe(`codec-g711 ${isolation === 'worker' ? 'isolated in a worker (RPC proxies)' : 'in the peer process'}`, () => {
    let host: Host;
    before(() => {
      host = new Host({ config: { plugins: { 'codec-g711': { isolation } } }, log: createLogger({ level: 'silent' }) });
    });
    after(async () => {
      await host.dispose();
    });

    it('binds PCMU and PCMA matching its manifest (contributes.codecs, RTP types 0 and 8)', async () => {
      const manifest = host.plugins.get('codec-g711');
      const entries = manifest?.contributes.codecs as Array<{ name: string; clockRate: number; frameMs: number; channels: number }>;
      for (const entry of entries) {
        const c = await g711(host, entry.name);
        assert.deepEqual([c.clockRate, c.frameMs, c.channels], [entry.clockRate, entry.frameMs, entry.channels]);
      }
      assert.equal((await g711(host, 'pcmu')).rtpPayloadType, 0);
      assert.equal((await g711(host, 'pcma')).rtpPayloadType, 8);
      // A voice call reaches them through contributes.codecs: each codec implies its own event.
      assert.deepEqual(manifest?.activationEvents, ['onCodec:pcmu', 'onCodec:pcma']);
      assert.deepEqual(manifest?.problems, [], 'every contributed codec is bound');
      assert.equal(manifest?.isolation, isolation);
    });

    // G.711 is a waveform coder: ~38 dB SNR at speech levels; 30 dB leaves room for the quiet pauses.
    codecCompliance('pcmu', { codec: () => g711(host, 'pcmu'), minSnrDb: 30, minCorrelation: 0.999 });
    codecCompliance('pcma', { codec: () => g711(host, 'pcma'), minSnrDb: 30, minCorrelation: 0.999 });

    describe('bit-exact against sox', function () {
      let dir: string;
      before(function () {
        if (!hasSox) {
          console.log('      (skipped: sox is not installed; CI installs it — apt-get install sox)');
          this.skip();
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-g711-'));
      });
      after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      });

      // Every 16-bit value once, then 2 s of speech-like signal; a whole number of 160-sample frames.
      const input = (): Int16Array => {
        const speech = speechLike(8000, 2, 3);
        const all = new Int16Array(65536 + speech.length + 160);
        for (let i = 0; i < 65536; i++) all[i] = i - 32768;
        all.set(speech, 65536);
        return all.subarray(0, all.length - (all.length % 160));
      };

      for (const [name, encoding] of [['pcmu', 'u-law'], ['pcma', 'a-law']] as const) {
        it(`${name}: encoder output equals \`sox -e ${encoding}\` byte for byte, and decoding equals sox's`, async () => {
          const codec = await g711(host, name);
          const pcm = input();
          const wav = path.join(dir, `${name}.wav`);
          wav16(wav, 8000, pcm);
          // -D: no dither, or sox would add noise before companding.
          execFileSync('sox', ['-D', wav, '-t', 'raw', '-e', encoding, '-b', '8', path.join(dir, `${name}.raw`)], { stdio: 'ignore' });
          const soxBytes = fs.readFileSync(path.join(dir, `${name}.raw`));
          const enc = codec.createEncoder();
          const ours = Buffer.concat(await Promise.all(Array.from({ length: pcm.length / 160 }, (_, f) => enc.encode(pcm.subarray(f * 160, f * 160 + 160)))));
          assert.equal(ours.length, soxBytes.length);
          const diff = ours.findIndex((b, i) => b !== soxBytes[i]);
          assert.equal(diff, -1, `first difference at sample ${diff}: input ${pcm[diff]}, ours ${ours[diff]}, sox ${soxBytes[diff]}`);

          const codes = Buffer.from(Array.from({ length: 256 * 5 }, (_, i) => i & 0xff).slice(0, 1280));
          fs.writeFileSync(path.join(dir, 'codes.raw'), codes);
          execFileSync('sox', ['-t', 'raw', '-r', '8000', '-e', encoding, '-b', '8', '-c', '1', path.join(dir, 'codes.raw'), '-t', 'raw', '-e', 'signed', '-b', '16', path.join(dir, 'codes.s16')], { stdio: 'ignore' });
          const soxPcm = fs.readFileSync(path.join(dir, 'codes.s16'));
          const dec = codec.createDecoder();
          const decoded = Buffer.concat(await Promise.all(Array.from({ length: 8 }, async (_, f) => {
                const pcm = await dec.decode(codes.subarray(f * 160, f * 160 + 160));
                return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength); // a view: an isolated codec's results share their message's buffer
              })));
          assert.ok(decoded.equals(soxPcm), 'decoded samples equal sox -e signed -b 16 for all 256 codes');
        });
      }
    });
  });
