import { strict as assert } from 'assert';
import { DatagramType, SESSION_STREAM, SessionSecurity, tapErrorCause, type HandshakeResult, type SessionStreamContext } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import { CALLEE_EP, CALLER_EP, handshake, parties } from './pair';

/** What media-udp will pass to hooks.stream.for('session') when a session opens. */
function sessionContext(role: 'caller' | 'callee', hs: HandshakeResult | undefined, over: Partial<SessionStreamContext> = {}): SessionStreamContext {
  return {
    callId: 'call-1',
    payloadType: SESSION_STREAM,
    role,
    remote: { address: '127.0.0.1', port: 1 },
    outbound: [],
    inbound: [],
    send: () => undefined,
    onPayload: () => ({ dispose: () => undefined }),
    localEndpoint: role === 'caller' ? CALLER_EP : CALLEE_EP,
    remoteEndpoint: role === 'caller' ? CALLEE_EP : CALLER_EP,
    handshake: hs,
    ...over,
  };
}

describe('secure-noise: the stream:session tap and the SessionSecurity service', () => {
  let host: Host;
  beforeEach(async () => {
    host = new Host({ config: { log: { level: 'silent' } } });
    await host.plugins.activate('secure-noise');
  });
  afterEach(() => host.dispose());
  const run = (ctx: SessionStreamContext) => host.hooks.stream.for(SESSION_STREAM).promise(ctx).then(() => ctx);

  it('binds SessionSecurity; the tap protects both ends of a session that has its handshake', async () => {
    const sec = (await host.services.load<SessionSecurity>(SessionSecurity));
    const p = parties('IK');
    const ini = sec.initiator({ callId: 'call-1', localEndpoint: CALLER_EP, remoteEndpoint: CALLEE_EP, identity: p.alice, remotePublicKey: p.bob.publicKey });
    const res = sec.responder({ callId: 'call-1', localEndpoint: CALLEE_EP, remoteEndpoint: CALLER_EP, identity: p.bob, checkInitiator: () => true });
    ini.receive(res.receive(ini.message).reply!);
    const caller = await run(sessionContext('caller', ini.result!));
    const callee = await run(sessionContext('callee', res.result!));
    assert.ok(caller.protection && callee.protection);
    assert.equal(caller.protection.remoteFingerprint, p.bob.fingerprint);
    const o = callee.protection.datagrams.open(caller.protection.datagrams.seal(DatagramType.DATA, Buffer.from('hi')));
    assert.ok(o.ok && o.payload.toString() === 'hi');
  });

  it('leaves an --insecure session (no handshake) and an already protected one alone', async () => {
    assert.equal((await run(sessionContext('caller', undefined))).protection, undefined);
    const { a } = handshake(parties('IK'));
    const mine = { marker: true } as never;
    assert.equal((await run(sessionContext('caller', a, { protection: mine }))).protection, mine);
  });

  it('refuses a handshake that belongs to another call, other endpoints or the other role', async () => {
    const { a } = handshake(parties('IK'));
    for (const [what, ctx] of [
      ['call', sessionContext('caller', a, { callId: 'call-2' })],
      ['endpoints', sessionContext('caller', a, { localEndpoint: 9 })],
      ['role', sessionContext('callee', a, { localEndpoint: CALLER_EP, remoteEndpoint: CALLEE_EP })],
    ] as const) {
      const err = await run(ctx).then(
        () => undefined,
        (e) => tapErrorCause(e) as { code: string },
      );
      assert.equal(err?.code, 'E_SESSION_MISMATCH', what);
      assert.equal(ctx.protection, undefined);
    }
  });
});
