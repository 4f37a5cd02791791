import { strict as assert } from 'assert';
import { createHook } from 'async_hooks';
import { encodeFrame, PinholeError, type ReliableStream } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
// Not yet re-exported from @pinhole/core's index (see core/src/services/payload.ts).
import { PayloadType, type PayloadEndpoint, type PayloadProgress } from '@pinhole/core';
import { sessionPair, type SessionPair } from '../../helpers/session-pair';

/** What a payload type plugin provides to the suite. */
export interface PayloadSetup<Item, Received, Options> {
  /** A host with media-udp active and the payload plugin installed (the suite activates it by `onPayload:<name>`). */
  createHost(): Promise<Host>;
  /** Options for a receiving side's attach(): a fresh place to receive into. */
  receiverOptions(): Promise<Options>;
  /** A new item of about `size` bytes to offer. */
  item(size: number): Promise<Item>;
  /** Whether `received` is an intact copy of `item`. */
  intact(item: Item, received: Received): Promise<boolean>;
  /** An item the receiver attached with `opts` refuses, and the code it must refuse with. */
  refusal(opts: Options): Promise<{ item: Item; code: string }>;
  /** Whether `item` has materialised at the receiver (it must not after a refusal or an interrupted flow). */
  arrived(item: Item, opts: Options): Promise<boolean>;
  cleanup?(): Promise<void>;
}

type Endpoint<Item, Received> = PayloadEndpoint<Item, unknown, Received>;

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** Tracks timers (unref'd ones included) created from now on and not yet fired or cleared, with where they were made. */
function trackTimers(): { live(): string[]; stop(): void } {
  const live = new Map<number, string>();
  const hook = createHook({
    init: (id, type) => {
      if (type !== 'Timeout') return;
      const where = new Error('timer created').stack!.split('\n').slice(6, 12).join('\n');
      if (!where.includes('node_modules/mocha/')) live.set(id, where); // mocha's own per-test timeout
    },
    destroy: (id) => void live.delete(id),
  }).enable();
  return { live: () => [...live.values()], stop: () => void hook.disable() };
}
const firstError = <I, R>(ep: Endpoint<I, R>): Promise<PinholeError> => new Promise((resolve) => ep.onError(resolve));

/** Bytes a payload's stream must reject, each with the codes a conforming type may answer with. */
const GARBAGE: Array<{ what: string; bytes: Buffer; codes: RegExp }> = [
  { what: 'a length prefix over the frame cap', bytes: Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2, 3, 4]), codes: /^E_FRAME_TOO_LARGE$/ },
  { what: 'a frame whose protobuf is truncated', bytes: encodeFrame(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])), codes: /^E_WIRE_DECODE$/ },
  { what: 'an empty frame (no body)', bytes: encodeFrame(Buffer.alloc(0)), codes: /^E_WIRE_EMPTY$/ },
  { what: 'a frame with only an unknown field', bytes: encodeFrame(Buffer.from([0xf8, 0x07, 0x01])), codes: /^E_WIRE_EMPTY$/ },
];

/**
 * Every payload type runs this from its own test (js-libp2p style): two real media sockets on
 * loopback with a direct session between them, each side attached the way the app attaches.
 */
export default function payloadCompliance<Item, Received, Options>(name: string, setup: PayloadSetup<Item, Received, Options>): void {
  describe(`payload type compliance: ${name}`, function () {
    this.timeout(30000);
    let host: Host;
    let pair: SessionPair;
    let type: PayloadType<Item, unknown, Received, Options>;

    beforeEach(async () => {
      host = await setup.createHost();
      type = await host.services.loadNamed<PayloadType<Item, unknown, Received, Options>>(PayloadType, name, `onPayload:${name}`);
      pair = await sessionPair(host);
    });
    afterEach(async () => {
      await pair.close();
      await host.dispose();
      await setup.cleanup?.();
    });

    /** The receiving side on b, the sending side on a. */
    async function attachBoth(): Promise<{ rx: Endpoint<Item, Received>; tx: Endpoint<Item, Received>; opts: Options }> {
      const opts = await setup.receiverOptions();
      const rx = type.attach(pair.bs, opts);
      const tx = type.attach(pair.as);
      return { rx, tx, opts };
    }

    it('is bound by name on onPayload:<name> and matches its manifest contribution', () => {
      assert.equal(type.name, name);
      const contributed = host.plugins
        .list()
        .flatMap((p) => ((p.state === 'active' ? p.contributes.payloadTypes : undefined) as Array<{ name: string; reliable?: boolean }> | undefined) ?? [])
        .find((t) => t.name === name);
      assert.ok(contributed, `an active plugin contributes payloadTypes "${name}"`);
      assert.equal(type.reliable, contributed.reliable === true);
      assert.ok(type.carrier.kind === 'reliable' ? Number.isInteger(type.carrier.channel) : type.carrier.kind === 'datagram');
    });

    it('both sides attach to an established session pair; a second attach on one session is refused clearly', async () => {
      const { rx, tx } = await attachBoth();
      assert.equal(rx.payloadType, name);
      assert.equal(tx.payloadType, name);
      assert.throws(
        () => type.attach(pair.as),
        (e: unknown) => e instanceof PinholeError && /^E_PAYLOAD_ATTACHED$/.test(e.code) && /already attached/.test(e.message),
      );
      await Promise.all([tx.close(), rx.close()]);
      const again = [type.attach(pair.as), type.attach(pair.bs)];
      await Promise.all(again.map((e) => e.close()));
    });

    it('items offered on one side arrive intact and in order on the other (0, 1 and odd sizes)', async () => {
      const { rx, tx } = await attachBoth();
      const got: Received[] = [];
      rx.onReceived((r) => got.push(r));
      const items = [await setup.item(0), await setup.item(1), await setup.item(100_003)];
      for (const item of items) await tx.send(item);
      await within(
        (async () => {
          while (got.length < items.length) await new Promise((r) => setTimeout(r, 10));
        })(),
        5000,
        'all items reported received',
      );
      for (let i = 0; i < items.length; i++) assert.ok(await setup.intact(items[i], got[i]), `item ${i} intact`);
      await Promise.all([tx.close(), rx.close()]);
    });

    it('a refusal rejects send() with a PinholeError carrying the code; nothing arrives; the endpoints go on', async () => {
      const { rx, tx, opts } = await attachBoth();
      const { item, code } = await setup.refusal(opts);
      const rxError = firstError(rx);
      const err = await tx.send(item).then(
        () => assert.fail('send() resolved for a refused item'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof PinholeError, `a PinholeError, got ${err}`);
      assert.equal(err.code, code);
      assert.ok(err.message.length > 20, 'the message explains the refusal');
      assert.equal((await within(rxError, 2000, 'receiver reports the refusal')).code, code);
      assert.equal(await setup.arrived(item, opts), false);
      const ok = await setup.item(4096);
      const received = new Promise<Received>((r) => rx.onReceived(r));
      await tx.send(ok);
      assert.ok(await setup.intact(ok, await within(received, 5000, 'next item')));
      await Promise.all([tx.close(), rx.close()]);
    });

    for (const g of GARBAGE)
      it(`garbage on the wire (${g.what}) is rejected with a PinholeError; the process, the session and the payload type stay usable`, async () => {
        const opts = await setup.receiverOptions();
        const rx = type.attach(pair.bs, opts);
        const failed = firstError(rx);
        let attacker: ReliableStream | undefined;
        if (type.carrier.kind === 'reliable') {
          attacker = pair.as.openReliableStream(type.carrier.channel);
          attacker.on('error', () => undefined);
          attacker.on('data', () => undefined);
          attacker.on('end', () => attacker!.end()); // a cooperative close, so the receiver need not wait out its grace period
          attacker.write(g.bytes);
          const err = await within(failed, 5000, 'receiver reports the garbage');
          assert.ok(err instanceof PinholeError, `a PinholeError, got ${err}`);
          assert.match(err.code, g.codes);
          await within(rx.closed, 5000, 'receiver endpoint ends');
          // The receiver's end may already have closed it both ways (then 'close' has fired).
          const gone = attacker.destroyed ? Promise.resolve() : new Promise<void>((r) => attacker!.once('close', () => r()));
          attacker.destroy();
          await within(gone, 5000, 'attacker stream closed');
        } else {
          const stream = await pair.as.openStream(name);
          stream.send(g.bytes);
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.ok((await pair.bs.ping()) >= 0, 'the session still carries datagrams');
        // Nothing lost: the same session pair takes a fresh pair of endpoints and a real item.
        const rx2 = type.attach(pair.bs, opts);
        const tx2 = type.attach(pair.as);
        const item = await setup.item(65_537);
        const received = new Promise<Received>((r) => rx2.onReceived(r));
        await tx2.send(item);
        assert.ok(await setup.intact(item, await within(received, 5000, 'item after garbage')));
        await Promise.all([tx2.close(), rx2.close()]);
        if (type.carrier.kind === 'datagram') await rx.close();
      });

    it('closing the session mid-flow ends both sides with PinholeErrors, releases every timer, and delivers nothing half-done', async () => {
      const tracked = trackTimers();
      const { rx, tx, opts } = await attachBoth();
      const item = await setup.item(48 << 20);
      const flowing = new Promise<void>((resolve) => rx.onProgress((p: PayloadProgress) => p.phase === 'transfer' && p.bytes > p.resumedFrom && resolve()));
      const rxError = firstError(rx);
      const sending = tx.send(item);
      sending.catch(() => undefined);
      await within(flowing, 10000, 'bytes flowing');
      await pair.as.close('hung up mid-flow');
      const err = await within(sending.then(() => undefined, (e: unknown) => e), 5000, 'send() settles');
      assert.ok(err instanceof PinholeError, `send() rejects with a PinholeError, got ${err}`);
      assert.ok((await within(rxError, 5000, 'receiver reports the interruption')) instanceof PinholeError);
      await within(Promise.all([tx.closed, rx.closed]), 5000, 'both endpoints closed');
      assert.equal(await setup.arrived(item, opts), false, 'a half-sent item is not delivered');
      await new Promise((r) => setImmediate(r));
      const left = tracked.live();
      tracked.stop();
      assert.deepEqual(left, [], 'timers left behind');
    });
  });
}
