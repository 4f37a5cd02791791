import { strict as assert } from 'assert';
import { createHash, randomBytes } from 'crypto';
import type { ReliableStream } from '@pinhole/core';
import { handshake, parties, security } from './pair';
import { udxPair } from './udx-pair';

const MiB = 1 << 20;

/** Writes `total` random bytes in 64 KiB chunks, honouring backpressure; resolves to their SHA-256. */
async function pump(w: ReliableStream, total: number): Promise<string> {
  const h = createHash('sha256');
  for (let sent = 0; sent < total; ) {
    const chunk = randomBytes(Math.min(64 * 1024, total - sent));
    h.update(chunk);
    sent += chunk.length;
    if (!w.write(chunk)) await new Promise<void>((resolve) => w.once('drain', resolve));
  }
  w.end();
  return h.digest('hex');
}

/** Everything a stream emits until it ends or fails. */
function drain(r: ReliableStream): Promise<{ bytes: number; sha256: string; chunks: Buffer[]; error?: Error }> {
  const h = createHash('sha256');
  const chunks: Buffer[] = [];
  let bytes = 0;
  return new Promise((resolve) => {
    r.on('data', (c) => {
      h.update(c);
      bytes += c.length;
      if (chunks.length < 4096) chunks.push(Buffer.from(c));
    });
    r.once('end', () => resolve({ bytes, sha256: h.digest('hex'), chunks }));
    r.once('error', (error) => resolve({ bytes, sha256: h.digest('hex'), chunks, error }));
  });
}

function protectedPair() {
  const { a, b } = handshake(parties('IK'));
  return { pa: security.protect(a), pb: security.protect(b) };
}

describe('secure-noise: encrypted reliable streams over udx', function () {
  this.timeout(120000);

  it('carries 64 MiB byte-identical both ways at once over a real udx stream pair', async () => {
    const { pa, pb } = protectedPair();
    const raw = await udxPair();
    try {
      const a = pa.protectStream(raw.a, 7);
      const b = pb.protectStream(raw.b, 7);
      const [atB, atA, sentA, sentB] = await Promise.all([drain(b), drain(a), pump(a, 64 * MiB), pump(b, 4 * MiB)]);
      assert.equal(atB.error, undefined);
      assert.equal(atB.bytes, 64 * MiB);
      assert.equal(atB.sha256, sentA);
      assert.equal(atA.bytes, 4 * MiB);
      assert.equal(atA.sha256, sentB);
    } finally {
      await raw.close();
    }
  });

  it('nothing of the plaintext is on the wire', async () => {
    const marker = Buffer.from('PINHOLE-MARKER-0123456789');
    let seen = 0;
    let packets = 0;
    const raw = await udxPair((p) => {
      packets++;
      if (p.includes(marker)) seen++;
      return p;
    });
    try {
      const { pa, pb } = protectedPair();
      const a = pa.protectStream(raw.a, 1);
      const got = drain(pb.protectStream(raw.b, 1));
      for (let i = 0; i < 200; i++) a.write(Buffer.concat([marker, randomBytes(1000)]));
      a.end();
      const r = await got;
      assert.equal(r.bytes, 200 * (marker.length + 1000));
      assert.ok(packets > 150);
      assert.equal(seen, 0);
    } finally {
      await raw.close();
    }
  });

  it('a byte changed on the path fails the stream: nothing altered is ever delivered', async () => {
    let dataPackets = 0;
    const raw = await udxPair((p, fromA) => {
      if (fromA && p.length > 1000 && ++dataPackets === 100) {
        const x = Buffer.from(p);
        x[x.length - 5] ^= 0x40;
        return x;
      }
      return p;
    });
    try {
      const { pa, pb } = protectedPair();
      const a = pa.protectStream(raw.a, 3);
      a.on('error', () => undefined); // the receiver's failure tears the raw stream down
      const sent: Buffer[] = [];
      const received = drain(pb.protectStream(raw.b, 3));
      for (let i = 0; i < 2000; i++) {
        const chunk = randomBytes(4096);
        sent.push(chunk);
        if (!a.write(chunk)) await Promise.race([new Promise<void>((r) => a.once('drain', () => r())), received]);
        if (dataPackets >= 100) break;
      }
      a.end();
      const r = await received;
      assert.ok(r.error, 'the receiver fails');
      const all = Buffer.concat(sent);
      assert.ok(r.bytes < all.length, 'it stopped');
      assert.ok(Buffer.concat(r.chunks).equals(all.subarray(0, r.bytes)), 'what it delivered before is exactly what was sent');
    } finally {
      await raw.close();
    }
  });

  it('keys are per channel: a stream wrapped for another channel is refused', async () => {
    const raw = await udxPair();
    try {
      const { pa, pb } = protectedPair();
      const a = pa.protectStream(raw.a, 1);
      const b = pb.protectStream(raw.b, 2);
      a.on('error', () => undefined);
      const r = drain(b);
      a.write(Buffer.from('for channel 1 only'));
      const got = await r;
      assert.ok(got.error);
      assert.equal(got.bytes, 0);
      assert.throws(() => pa.protectStream(raw.a, 70000), { code: 'E_STREAM_CHANNEL' });
    } finally {
      await raw.close();
    }
  });
});
