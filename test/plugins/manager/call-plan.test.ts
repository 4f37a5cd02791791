/**
 * The manager picks each call's strategies from both sides' NAT reports and the installed
 * manifests' natClasses, names the relay only when it advertises a TURN server (with credentials
 * minted per peer), and refuses at once a pair that only a relay could join when it has none.
 */
import { strict as assert } from 'assert';
import { createHmac } from 'crypto';
import { createLogger, ManagerServerFactory, type CallPolicyMsg, type ManagerServer } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import { rawPeerPool, silentDirectory, until, type RawPeer } from '../../helpers/manager';

const ANY: CallPolicyMsg = { mode: 2 };
/** NatInfo on the wire: Behaviour 1 endpoint-independent, 3 address-and-port-dependent; Tested 2 address. */
const EASY = { natted: true, mapping: 1, filtering: 3, hard: false, tested: 2 };
const HARD = { natted: true, mapping: 3, filtering: 3, hard: true, tested: 2 };
const NO_UDP = { natted: false, mapping: 0, filtering: 0, hard: false, tested: 0, udpBlocked: true };
const SECRET = 'turn-secret-for-the-test';

describe('manager-server: strategies per NAT pair, and the relay', function () {
  let h: Host;
  let m: ManagerServer | undefined;
  const directory = silentDirectory();
  const pool = rawPeerPool(() => (m as unknown as { address(): { tcp: { port: number } } }).address().tcp.port);
  before(async () => {
    h = new Host({ config: {}, log: createLogger({ level: 'silent', events: false }) });
    await h.start();
    await h.plugins.activateByEvent('onManager');
  });
  after(async () => {
    await h?.dispose();
    await directory.close();
  });
  afterEach(async () => {
    pool.closeAll();
    await m?.close();
    m = undefined;
  });

  const start = async (turn: Array<{ uri: string; secret: string }>) => {
    const f = await h.services.load<ManagerServerFactory>(ManagerServerFactory);
    m = await f.start({ host: '127.0.0.1', port: 0, udpPort: 0, insecure: true, directory, turn } as never);
  };
  const peer = async (id: string, nat: object): Promise<RawPeer> => {
    const p = await pool.tcp();
    await p.register(id, { policy: ANY });
    p.send({ natReport: { nat } } as never);
    await until(async () => !!(await directory.get(id))?.nat, 2000, `${id}'s NAT report stored`);
    return p;
  };
  /** Alice (callerNat) calls bob (calleeNat): bob's OpenWindow, or alice's refusal. */
  const plan = async (callerNat: object, calleeNat: object, callId: string) => {
    const bob = await peer(`bob-${callId}`, calleeNat);
    const alice = await peer(`alice-${callId}`, callerNat);
    alice.send({ callRequest: { callId, calleeId: `bob-${callId}`, payloadTypes: [] } });
    const first = await Promise.race([bob.next('openWindow').then((x) => x.openWindow!), alice.next('reject').then((x) => x.reject!)]);
    return first as { strategies?: string[]; turnServers?: Array<{ uri: string; username: string; password: string }>; code?: string; reason?: string };
  };

  it('without a TURN server: null-udp for an easy pair, birthday for one hard side, E_NO_RELAY (naming the flags) for two hard sides or no UDP', async () => {
    await start([]);
    assert.deepEqual((await plan(EASY, EASY, 'e1')).strategies, ['null-udp']);
    assert.deepEqual((await plan(EASY, HARD, 'o1')).strategies, ['birthday']);
    for (const [a, b, id] of [[HARD, HARD, 'h1'], [NO_UDP, EASY, 'u1']] as const) {
      const r = await plan(a, b, id);
      assert.equal(r.code, 'E_NO_RELAY', JSON.stringify(r));
      assert.match(String(r.reason), /--turn turn:HOST:PORT --turn-secret SECRET/);
    }
  });

  it('with a TURN server: the relay is named last for every class, with REST credentials minted for each peer (the secret never leaves)', async () => {
    await start([{ uri: 'turn:127.0.0.1:3478', secret: SECRET }]);
    assert.deepEqual((await plan(EASY, EASY, 'e2')).strategies, ['null-udp', 'relay-turn']);
    assert.deepEqual((await plan(HARD, EASY, 'o2')).strategies, ['birthday', 'relay-turn']);
    const both = await plan(HARD, HARD, 'h2');
    assert.deepEqual(both.strategies, ['relay-turn']);
    assert.deepEqual((await plan(EASY, NO_UDP, 'u2')).strategies, ['relay-turn']);
    const [t] = both.turnServers!;
    assert.equal(t.uri, 'turn:127.0.0.1:3478');
    assert.match(t.username, /^\d+:bob-h2$/, 'EXPIRY:PEER, for the callee');
    assert.ok(Number(t.username.split(':')[0]) > Date.now() / 1000, 'expires in the future');
    assert.equal(t.password, createHmac('sha1', SECRET).update(t.username).digest('base64'));
    assert.ok(!JSON.stringify(both).includes(SECRET));
  });
});
