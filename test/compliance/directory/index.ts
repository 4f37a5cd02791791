import { strict as assert } from 'assert';
import { createHash } from 'crypto';
import type { Candidate, ClaimResult, Directory, DirectoryOptions, Disposable, PeerRecord } from '@pinhole/core';

/** What a directory backend provides to the suite. */
export interface DirectorySetup {
  /** A new, empty directory, isolated from every other create() (e.g. a fresh key prefix), with these options. */
  create(options?: DirectoryOptions): Promise<Directory>;
  /** Backend clean-up after each test (e.g. delete the test's keys); runs before the suite calls close(). */
  teardown?(d: Directory): Promise<void>;
  /**
   * Another manager node's handle onto the same directory as `d` (same table, same bus).
   * When given, the cross-node tests run too; the suite closes what it returns.
   */
  connect?(d: Directory): Promise<Directory>;
}

const TTL = 30_000;
/** A stand-in public key per owner label: 32 bytes as base64url, the shape of an Ed25519 key. */
const key = (owner: string): string => createHash('sha256').update(owner).digest('base64url');

/** A full record as the manager would claim it for `owner`'s key, alive for TTL from `now`. */
function record(peerId: string, owner: string, now: number, over: Partial<PeerRecord> = {}): PeerRecord {
  return {
    peerId,
    publicKey: key(owner),
    candidates: [
      { address: '10.0.0.2', port: 40000, kind: 'host' },
      { address: '192.168.1.7', port: 40001, kind: 'host' },
    ],
    payloadTypes: ['voice', 'file'],
    meta: { agent: 'compliance', lang: 'en' },
    policy: { mode: 'list', allow: ['bob', 'abcd-efgh-ijkl-mnop'], optimistic: false },
    node: 'node-a',
    registeredAt: now,
    lastSeen: now,
    expiresAt: now + TTL,
    ...over,
  };
}

/** The refusal's live holder (asserting there is one) and that it names the bound key. */
function refused(r: ClaimResult): PeerRecord {
  assert.equal(r.ok, false, 'claim should have been refused');
  const no = r as Extract<ClaimResult, { ok: false }>;
  assert.ok(no.holder, 'a live holder is reported');
  assert.equal(no.boundKey, no.holder.publicKey, 'the bound key is the holder\'s');
  return no.holder;
}

/** A refusal by a binding whose record is gone: the bound key, and no holder. */
function refusedByBinding(r: ClaimResult, owner: string): void {
  assert.equal(r.ok, false, 'claim should have been refused');
  const no = r as Extract<ClaimResult, { ok: false }>;
  assert.equal(no.boundKey, key(owner));
  assert.equal(no.holder, undefined, 'no live holder');
}

function accepted(r: ClaimResult): PeerRecord | undefined {
  assert.equal(r.ok, true, `claim should have been accepted, refused for holder ${JSON.stringify(!r.ok && r.holder)}`);
  return (r as Extract<ClaimResult, { ok: true }>).previous;
}

/** Collects messages for one subscription and lets a test await the n-th. */
class Inbox {
  readonly got: Uint8Array[] = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  readonly handler = (m: Uint8Array): void => {
    this.got.push(m);
    this.waiters = this.waiters.filter((w) => (this.got.length >= w.n ? (w.resolve(), false) : true));
  };
  /** Resolves once `n` messages have arrived (bounded so a lost message fails, not hangs). */
  until(n: number, ms = 5000): Promise<void> {
    if (this.got.length >= n) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${n} message(s), got ${this.got.length} after ${ms} ms`)), ms);
      this.waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
  text(): string[] {
    return this.got.map((m) => Buffer.from(m).toString());
  }
}

const msg = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));

/**
 * Every directory backend (memory, Redis …) runs this from its own test. Timestamps are real
 * (Date.now()) and passed in, as the manager does; nothing sleeps.
 */
export default function directoryCompliance(name: string, setup: DirectorySetup): void {
  describe(`directory compliance: ${name}`, function () {
    this.timeout(10_000);
    let d: Directory;
    let now: number;
    const extra: Directory[] = [];
    const created: Directory[] = [];
    /** Another directory of this backend with other options (torn down and closed after the test). */
    const fresh = async (options: DirectoryOptions): Promise<Directory> => {
      const x = await setup.create(options);
      created.push(x);
      return x;
    };

    beforeEach(async () => {
      d = await setup.create();
      now = Date.now();
    });
    afterEach(async () => {
      for (const x of extra.splice(0)) await x.close();
      for (const x of created.splice(0)) {
        await setup.teardown?.(x);
        await x.close();
      }
      await setup.teardown?.(d);
      await d.close();
    });

    describe('claim', () => {
      it('registers a new name: ok with no previous, then get returns the record, binding the key, count 1', async () => {
        const r = record('alice', 'alice-key', now);
        assert.equal(accepted(await d.claim(r, now)), undefined);
        assert.deepStrictEqual(await d.get('alice'), r);
        assert.equal(await d.binding('alice'), key('alice-key'));
        assert.equal(await d.count(), 1);
      });

      it('refuses a live name to another key, names the bound key and the holder, leaves the record untouched', async () => {
        const first = record('alice', 'alice-key', now);
        await d.claim(first, now);
        const holder = refused(await d.claim(record('alice', 'intruder', now + 1, { node: 'node-b' }), now + 1));
        assert.deepStrictEqual(holder, first);
        assert.deepStrictEqual(await d.get('alice'), first);
        assert.equal(await d.count(), 1);
      });

      it('keeps the name bound to its key after the record expired: another key is still refused', async () => {
        const first = record('alice', 'alice-key', now);
        await d.claim(first, now);
        refused(await d.claim(record('alice', 'other', first.expiresAt - 1), first.expiresAt - 1));
        refusedByBinding(await d.claim(record('alice', 'other', first.expiresAt), first.expiresAt), 'alice-key');
        assert.deepStrictEqual(await d.expire(first.expiresAt), ['alice']);
        refusedByBinding(await d.claim(record('alice', 'other', first.expiresAt + 1), first.expiresAt + 1), 'alice-key');
        assert.equal(await d.binding('alice'), key('alice-key'));
      });

      it('renews with the same key at once, live or not: ok, returns the previous record, stores the new one', async () => {
        const first = record('alice', 'alice-key', now);
        await d.claim(first, now);
        const later = now + 5_000;
        const renewed = record('alice', 'alice-key', later, {
          registeredAt: now,
          node: 'node-b',
          candidates: [{ address: '10.9.9.9', port: 50000, kind: 'host' }],
        });
        assert.deepStrictEqual(accepted(await d.claim(renewed, later)), first);
        assert.deepStrictEqual(await d.get('alice'), renewed);
        assert.equal(await d.count(), 1, 'a renewal does not add a record');
        const afterExpiry = renewed.expiresAt + 1_000;
        const back = record('alice', 'alice-key', afterExpiry);
        assert.deepStrictEqual(accepted(await d.claim(back, afterExpiry)), renewed, 'the expired record of the same key is the previous');
        assert.deepStrictEqual(await d.get('alice'), back);
      });

      it('20 concurrent claims for one name with different keys: exactly one wins, the rest name its key', async () => {
        const claims = Array.from({ length: 20 }, (_, i) => record('contested', `key-${i}`, now, { node: `node-${i}` }));
        const results = await Promise.all(claims.map((r) => d.claim(r, now)));
        const winners = results.map((r, i) => (r.ok ? i : -1)).filter((i) => i >= 0);
        assert.equal(winners.length, 1, `winners: ${winners.join(',')}`);
        const winner = claims[winners[0]];
        for (const r of results) if (!r.ok) assert.equal(r.boundKey, winner.publicKey);
        assert.deepStrictEqual(await d.get('contested'), winner);
        assert.equal(await d.binding('contested'), winner.publicKey);
        assert.equal(await d.count(), 1);
      });

      it('20 concurrent claims for different names all succeed', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => d.claim(record(`peer-${i}`, `k-${i}`, now), now)));
        assert.ok(results.every((r) => r.ok));
        assert.equal(await d.count(), 20);
      });

      it('stores a copy: changing the claimed object afterwards does not change the store', async () => {
        const r = record('alice', 'alice-key', now, { reflexive: { address: '203.0.113.5', port: 61000, kind: 'reflexive' } });
        const kept = structuredClone(r);
        await d.claim(r, now);
        r.candidates[0].port = 1;
        r.candidates.push({ address: '6.6.6.6', port: 6, kind: 'relay' });
        r.reflexive!.port = 2;
        r.meta.agent = 'changed';
        r.payloadTypes.push('video');
        r.policy.allow.push('mallory');
        r.policy.mode = 'any';
        r.node = 'elsewhere';
        assert.deepStrictEqual(await d.get('alice'), kept);
      });
    });

    describe('binding', () => {
      it('is undefined for a name never claimed', async () => {
        assert.equal(await d.binding('nobody'), undefined);
      });

      it('releases a name nobody used for nameTtlMs: then another key may claim it', async () => {
        const short = await fresh({ nameTtlMs: 1_000 });
        const first = record('alice', 'alice-key', now, { expiresAt: now + 100 });
        await short.claim(first, now);
        assert.deepStrictEqual(await short.expire(now + 100), ['alice']);
        refusedByBinding(await short.claim(record('alice', 'other', now + 900), now + 900), 'alice-key');
        await short.expire(now + 1_000 + 100);
        const taker = record('alice', 'other', now + 1_200);
        assert.equal(accepted(await short.claim(taker, now + 1_200)), undefined, 'a lapsed binding is no previous record');
        assert.equal(await short.binding('alice'), key('other'));
      });

      it('keeps a name bound while its record lives, however long', async () => {
        const short = await fresh({ nameTtlMs: 1_000 });
        await short.claim(record('alice', 'alice-key', now, { expiresAt: now + 10_000 }), now);
        await short.touch('alice', now + 5_000, 10_000);
        await short.expire(now + 9_000);
        refused(await short.claim(record('alice', 'other', now + 9_000), now + 9_000));
      });
    });

    describe('get', () => {
      it('returns undefined for an unknown id', async () => {
        assert.equal(await d.get('nobody'), undefined);
      });

      it('returns a deep copy: mutating the result does not change the store', async () => {
        const r = record('alice', 's-alice', now, { reflexive: { address: '203.0.113.5', port: 61000, kind: 'reflexive' } });
        await d.claim(r, now);
        const got = (await d.get('alice'))!;
        got.candidates[0].address = '0.0.0.0';
        got.candidates.length = 0;
        got.reflexive!.port = 9;
        got.meta.lang = 'xx';
        got.payloadTypes.length = 0;
        got.expiresAt = 0;
        got.publicKey = 'forged';
        got.policy.allow.push('mallory');
        assert.deepStrictEqual(await d.get('alice'), r);
      });

      it('returns copies as holder and previous too', async () => {
        const r = record('alice', 's-alice', now);
        await d.claim(r, now);
        const holder = refused(await d.claim(record('alice', 'other', now), now));
        holder.candidates[0].port = 1;
        holder.meta.agent = 'changed';
        const previous = accepted(await d.claim(record('alice', 's-alice', now), now))!;
        assert.deepStrictEqual(previous, r, 'the refusal did not change the store');
        previous.candidates.length = 0;
        assert.deepStrictEqual(await d.get('alice'), record('alice', 's-alice', now));
      });

      it('keeps every field of the record, including an absent reflexive staying absent', async () => {
        const r = record('bob', 's-bob', now, { meta: {}, payloadTypes: [], candidates: [] });
        await d.claim(r, now);
        const got = (await d.get('bob'))!;
        assert.deepStrictEqual(got, r);
        assert.ok(!('reflexive' in got) || got.reflexive === undefined);
      });
    });

    describe('touch', () => {
      it('extends lastSeen and expiresAt and changes nothing else', async () => {
        const r = record('alice', 's-alice', now);
        await d.claim(r, now);
        const later = now + 10_000;
        assert.equal(await d.touch('alice', later, 60_000), true);
        assert.deepStrictEqual(await d.get('alice'), { ...r, lastSeen: later, expiresAt: later + 60_000 });
      });

      it('returns false for an unknown id and creates nothing', async () => {
        assert.equal(await d.touch('nobody', now, TTL), false);
        assert.equal(await d.get('nobody'), undefined);
        assert.equal(await d.count(), 0);
      });

      it('keeps a touched record live past its old expiry, against expire and against other keys', async () => {
        const r = record('alice', 's-alice', now);
        await d.claim(r, now);
        await d.touch('alice', now + TTL - 1, TTL);
        assert.deepStrictEqual(await d.expire(r.expiresAt), []);
        refused(await d.claim(record('alice', 'other', r.expiresAt), r.expiresAt));
        assert.deepStrictEqual(await d.expire(now + 2 * TTL - 1), ['alice']);
      });
    });

    describe('update', () => {
      it('patches candidates, reflexive and node, and nothing else', async () => {
        const r = record('alice', 's-alice', now);
        await d.claim(r, now);
        const patch = {
          candidates: [{ address: '172.16.0.4', port: 45000, kind: 'host' as const }],
          reflexive: { address: '198.51.100.20', port: 62000, kind: 'reflexive' as const },
          node: 'node-b',
        };
        assert.equal(await d.update('alice', patch), true);
        assert.deepStrictEqual(await d.get('alice'), { ...r, ...patch });
      });

      it('leaves the fields absent from the patch alone', async () => {
        const reflexive: Candidate = { address: '198.51.100.20', port: 62000, kind: 'reflexive' };
        const r = record('alice', 's-alice', now, { reflexive });
        await d.claim(r, now);
        await d.update('alice', { node: 'node-c' });
        assert.deepStrictEqual(await d.get('alice'), { ...r, node: 'node-c' });
        await d.update('alice', { reflexive: { ...reflexive, port: 62001 } });
        assert.deepStrictEqual(await d.get('alice'), { ...r, node: 'node-c', reflexive: { ...reflexive, port: 62001 } });
      });

      it('clears reflexive when the patch sets it to undefined', async () => {
        await d.claim(record('alice', 's-alice', now, { reflexive: { address: '198.51.100.20', port: 62000, kind: 'reflexive' } }), now);
        assert.equal(await d.update('alice', { reflexive: undefined }), true);
        assert.equal((await d.get('alice'))!.reflexive, undefined);
      });

      it('ignores any other field smuggled into the patch', async () => {
        const r = record('alice', 's-alice', now);
        await d.claim(r, now);
        const smuggled = { node: 'node-b', publicKey: 'forged', policy: { mode: 'any', allow: [], optimistic: true }, expiresAt: 0, peerId: 'mallory', meta: { admin: 'yes' }, payloadTypes: ['x'] };
        await d.update('alice', smuggled as Parameters<Directory['update']>[1]);
        assert.deepStrictEqual(await d.get('alice'), { ...r, node: 'node-b' });
        assert.equal(await d.get('mallory'), undefined);
      });

      it('returns false for an unknown id and creates nothing', async () => {
        assert.equal(await d.update('nobody', { node: 'node-b' }), false);
        assert.equal(await d.count(), 0);
      });

      it('stores a copy of the patch', async () => {
        await d.claim(record('alice', 's-alice', now), now);
        const candidates: Candidate[] = [{ address: '172.16.0.4', port: 45000, kind: 'host' }];
        await d.update('alice', { candidates });
        candidates[0].port = 1;
        candidates.push({ address: '6.6.6.6', port: 6, kind: 'relay' });
        assert.deepStrictEqual((await d.get('alice'))!.candidates, [{ address: '172.16.0.4', port: 45000, kind: 'host' }]);
      });
    });

    describe('remove', () => {
      it('removes the live record; a second remove and an unknown id return false; the binding stays', async () => {
        await d.claim(record('alice', 'alice-key', now), now);
        assert.equal(await d.remove('alice'), true);
        assert.equal(await d.get('alice'), undefined);
        assert.equal(await d.count(), 0);
        assert.equal(await d.remove('alice'), false);
        assert.equal(await d.remove('nobody'), false);
        assert.equal(await d.binding('alice'), key('alice-key'));
      });

      it('with ifPublicKey removes only the record of that key', async () => {
        const r = record('alice', 'alice-key', now);
        await d.claim(r, now);
        assert.equal(await d.remove('alice', key('someone-else')), false);
        assert.deepStrictEqual(await d.get('alice'), r);
        assert.equal(await d.remove('alice', r.publicKey), true);
        assert.equal(await d.get('alice'), undefined);
      });

      it('after remove, the same key re-claims at once, another key is refused, and the removed record never comes back from expire', async () => {
        const r = record('alice', 'alice-key', now);
        await d.claim(r, now);
        await d.remove('alice');
        refusedByBinding(await d.claim(record('alice', 'new-owner', now + 1), now + 1), 'alice-key');
        accepted(await d.claim(record('alice', 'alice-key', now + 1, { expiresAt: now + 10 * TTL }), now + 1));
        assert.deepStrictEqual(await d.expire(r.expiresAt), []);
        assert.equal((await d.get('alice'))!.publicKey, key('alice-key'));
      });
    });

    describe('expire', () => {
      it('returns exactly the ids with expiresAt <= now and removes them', async () => {
        const at = (id: string, expiresAt: number) => d.claim(record(id, `s-${id}`, now, { expiresAt }), now);
        await at('past', now + 100);
        await at('edge', now + 200);
        await at('future', now + 201);
        await at('far', now + 10 * TTL);
        const expired = await d.expire(now + 200);
        assert.deepStrictEqual([...expired].sort(), ['edge', 'past']);
        assert.equal(await d.get('past'), undefined);
        assert.equal(await d.get('edge'), undefined);
        assert.ok(await d.get('future'));
        assert.ok(await d.get('far'));
        assert.equal(await d.count(), 2);
        assert.deepStrictEqual(await d.expire(now + 200), [], 'a second sweep at the same time finds nothing');
        assert.deepStrictEqual(await d.expire(now + 201), ['future']);
      });

      it('returns nothing on an empty directory', async () => {
        assert.deepStrictEqual(await d.expire(now + 100 * TTL), []);
      });

      it('skips records renewed or re-claimed after expiry with a later expiresAt', async () => {
        const a = record('renewed', 's-renewed', now);
        const b = record('retaken', 's-retaken', now);
        await d.claim(a, now);
        await d.claim(b, now);
        await d.claim(record('renewed', 's-renewed', now + TTL - 1), now + TTL - 1);
        await d.claim(record('retaken', 's-retaken', now + TTL, { node: 'node-b' }), now + TTL);
        assert.deepStrictEqual(await d.expire(now + TTL), []);
        assert.equal((await d.get('retaken'))!.node, 'node-b');
        assert.deepStrictEqual([...(await d.expire(now + 2 * TTL))].sort(), ['renewed', 'retaken']);
      });

      it('honours a renewal to an earlier expiresAt', async () => {
        await d.claim(record('alice', 's-alice', now, { expiresAt: now + 10 * TTL }), now);
        await d.claim(record('alice', 's-alice', now, { expiresAt: now + 100 }), now);
        assert.deepStrictEqual(await d.expire(now + 100), ['alice']);
      });
    });

    describe('count', () => {
      it('counts records through claims, renewals, removals and expiry', async () => {
        assert.equal(await d.count(), 0);
        for (let i = 0; i < 5; i++) await d.claim(record(`p${i}`, `s${i}`, now, { expiresAt: now + 1000 * (i + 1) }), now);
        assert.equal(await d.count(), 5);
        await d.claim(record('p0', 's0', now), now);
        assert.equal(await d.count(), 5);
        await d.remove('p4');
        assert.equal(await d.count(), 4);
        await d.expire(now + 2000);
        assert.equal(await d.count(), 3, 'p1 expired; p0 (renewed), p2 and p3 remain');
      });
    });

    describe('publish / subscribe', () => {
      it('delivers a message to the subscribed node only', async () => {
        const a = new Inbox();
        const b = new Inbox();
        await d.subscribe('node-a', a.handler);
        await d.subscribe('node-b', b.handler);
        await d.publish('node-a', msg('for a'));
        await d.publish('node-b', msg('for b'));
        await Promise.all([a.until(1), b.until(1)]);
        assert.deepStrictEqual(a.text(), ['for a']);
        assert.deepStrictEqual(b.text(), ['for b']);
      });

      it('keeps the bytes intact: every byte value, and an empty message', async () => {
        const inbox = new Inbox();
        await d.subscribe('node-a', inbox.handler);
        const all = Uint8Array.from({ length: 512 }, (_, i) => i & 0xff);
        await d.publish('node-a', all);
        await d.publish('node-a', new Uint8Array(0));
        await inbox.until(2);
        assert.ok(inbox.got[0] instanceof Uint8Array);
        assert.ok(Buffer.from(inbox.got[0]).equals(Buffer.from(all)));
        assert.equal(inbox.got[1].length, 0);
      });

      it('delivers asynchronously: no handler runs inside publish()', async () => {
        const inbox = new Inbox();
        await d.subscribe('node-a', inbox.handler);
        const published = d.publish('node-a', msg('later'));
        assert.equal(inbox.got.length, 0);
        await published;
        await inbox.until(1);
      });

      it('delivers what was published even if the sender reuses its buffer afterwards', async () => {
        const inbox = new Inbox();
        await d.subscribe('node-a', inbox.handler);
        const buf = msg('original');
        await d.publish('node-a', buf);
        buf.fill(0x21);
        await inbox.until(1);
        assert.deepStrictEqual(inbox.text(), ['original']);
      });

      it('keeps publish order for one node', async () => {
        const inbox = new Inbox();
        await d.subscribe('node-a', inbox.handler);
        const sent = Array.from({ length: 10 }, (_, i) => `m${i}`);
        for (const s of sent) await d.publish('node-a', msg(s));
        await inbox.until(10);
        assert.deepStrictEqual(inbox.text(), sent);
      });

      it('delivers to every subscription of a node', async () => {
        const one = new Inbox();
        const two = new Inbox();
        await d.subscribe('node-a', one.handler);
        await d.subscribe('node-a', two.handler);
        await d.publish('node-a', msg('both'));
        await Promise.all([one.until(1), two.until(1)]);
        assert.deepStrictEqual([one.text(), two.text()], [['both'], ['both']]);
      });

      it('dispose stops delivery to that subscription only', async () => {
        const gone = new Inbox();
        const stays = new Inbox();
        const sub: Disposable = await d.subscribe('node-a', gone.handler);
        await d.subscribe('node-a', stays.handler);
        await sub.dispose();
        await d.publish('node-a', msg('after dispose'));
        await stays.until(1); // the same delivery would have reached `gone`
        assert.deepStrictEqual(gone.got, []);
        assert.deepStrictEqual(stays.text(), ['after dispose']);
      });

      it('after the last subscription of a node is disposed, it gets nothing and a new subscription works', async () => {
        const old = new Inbox();
        const sub = await d.subscribe('node-a', old.handler);
        await sub.dispose();
        await d.publish('node-a', msg('nobody listening'));
        const fresh = new Inbox();
        await d.subscribe('node-a', fresh.handler);
        await d.publish('node-a', msg('found'));
        // Messages to one node keep their order, so once 'found' arrives the earlier one has passed.
        while (!fresh.text().includes('found')) await fresh.until(fresh.got.length + 1);
        assert.deepStrictEqual(old.got, []);
        assert.equal(fresh.text().at(-1), 'found');
      });

      it('a handler that throws does not stop other handlers or later messages', async () => {
        const good = new Inbox();
        await d.subscribe('node-a', () => {
          throw new Error('compliance: a subscriber failing on purpose');
        });
        await d.subscribe('node-a', good.handler);
        await d.publish('node-a', msg('one'));
        await d.publish('node-a', msg('two'));
        await good.until(2);
        assert.deepStrictEqual(good.text(), ['one', 'two']);
      });

      it('publishing to a node nobody subscribes to resolves (the message is dropped)', async () => {
        await d.publish('node-nobody', msg('into the void'));
      });
    });

    describe('close', () => {
      it('resolves, is idempotent, and later calls reject with E_DIRECTORY_CLOSED', async () => {
        await d.claim(record('alice', 's-alice', now), now);
        await d.close();
        await d.close();
        const closed = { code: 'E_DIRECTORY_CLOSED' };
        await assert.rejects(d.claim(record('bob', 's-bob', now), now), closed);
        await assert.rejects(d.get('alice'), closed);
        await assert.rejects(d.count(), closed);
        await assert.rejects(d.expire(now), closed);
        await assert.rejects(d.publish('node-a', msg('x')), closed);
        await assert.rejects(d.subscribe('node-a', () => undefined), closed);
      });
    });

    describe('across nodes', function () {
      before(function () {
        if (!setup.connect) {
          console.log(`      skipping "across nodes" for ${name}: its setup gives no connect() (a single-node backend)`);
          this.skip();
        }
      });
      const second = async (): Promise<Directory> => {
        const other = await setup.connect!(d);
        extra.push(other);
        return other;
      };

      it('a record claimed on one node is seen, counted and refused on another', async () => {
        const other = await second();
        const r = record('alice', 's-alice', now);
        await d.claim(r, now);
        assert.deepStrictEqual(await other.get('alice'), r);
        assert.equal(await other.count(), 1);
        assert.deepStrictEqual(refused(await other.claim(record('alice', 'other', now), now)), r);
        assert.equal(await other.binding('alice'), r.publicKey);
      });

      it('20 concurrent claims for one id split across two nodes: exactly one wins', async () => {
        const other = await second();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? other : d).claim(record('contested', `key-${i}`, now), now)),
        );
        assert.equal(results.filter((r) => r.ok).length, 1);
      });

      it('a message published on one node reaches the subscriber on the other', async () => {
        const other = await second();
        const inbox = new Inbox();
        await other.subscribe('node-b', inbox.handler);
        await d.publish('node-b', msg('routed'));
        await inbox.until(1);
        assert.deepStrictEqual(inbox.text(), ['routed']);
      });

      it('closing one node leaves the other working and the records in place', async () => {
        const other = await second();
        await d.claim(record('alice', 's-alice', now), now);
        await other.close();
        assert.equal(await d.count(), 1);
        assert.ok(await d.get('alice'));
      });
    });
  });
}
