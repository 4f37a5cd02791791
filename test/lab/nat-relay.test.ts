/**
 * NAT classification, birthday port probing, TURN reachability and IPv6 across the real lab.
 * The window strategies run in window-agent processes (one per site, each with its own media
 * socket, classified against a real `pinhole manager` in the internet) and are driven back to
 * back like calls, without the call flow.
 */
import { strict as assert } from 'assert';
import * as path from 'path';
import {
  Lab,
  MANAGER_ADDRESS,
  MANAGER_ALT_ADDRESS,
  NdjsonProc,
  UdpAgent,
  WindowAgent,
  checkLabPrerequisites,
  quantile,
  windowTrial,
  type LabOptions,
  type SiteKind,
} from '@pinhole/lab';
import type { NatInfo } from '@pinhole/core';
import { startPinhole } from '../helpers/lab-procs';

const PREFIX = `phn${process.pid}`;
const HELPERS = path.resolve(__dirname, '..', 'helpers');
const STUN = `${MANAGER_ADDRESS}:3478`;

type Ev = Record<string, unknown>;

describe('lab: NAT classification, birthday probing, TURN and IPv6', function () {
  this.timeout(120000);
  const procs: Array<{ stop(): Promise<void> }> = [];
  let lab: Lab | undefined;
  const up = async (o: Omit<LabOptions, 'prefix'>) => {
    lab = await Lab.up({ ...o, prefix: PREFIX });
    return lab;
  };
  const manager = async (l: Lab) => {
    const m = startPinhole(l, 'manager', ['manager', '--listen', `${MANAGER_ADDRESS}:8080`, '--udp', STUN, '--stun-alt', `${MANAGER_ALT_ADDRESS}:3479`]);
    procs.push(m);
    await m.waitFor('manager.ready', 10000);
  };
  before(function () {
    const pre = checkLabPrerequisites({ delayMs: 0, turn: true });
    if (!pre.ok) {
      console.log(`    skipping: ${pre.missing.join('; ')}`);
      this.skip();
    }
  });
  afterEach(async () => {
    for (const p of procs.splice(0).reverse()) await p.stop();
    await lab?.down();
    lab = undefined;
  });

  it('classifies each kind against the manager’s two addresses and ports', async () => {
    const expected: Record<SiteKind, Partial<NatInfo>> = {
      open: { natted: false, mapping: 'endpoint-independent', filtering: 'endpoint-independent', hard: false },
      filter: { natted: false, mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', hard: false },
      nat: { natted: true, mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', hard: false },
      hardnat: { natted: true, mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', hard: true },
      noudp: {},
    };
    for (const [a, b] of [['open', 'filter'], ['nat', 'hardnat']] as Array<[SiteKind, SiteKind]>) {
      const l = await up({ a, b });
      await manager(l);
      for (const [node, kind] of [['a', a], ['b', b]] as Array<['a' | 'b', SiteKind]>) {
        const agent = await WindowAgent.start(l, node, { stun: STUN });
        procs.push(agent);
        const { reflexive: _r, ...nat } = agent.nat;
        assert.deepEqual({ ...nat, tested: undefined }, { ...expected[kind], tested: undefined }, `${kind}: ${JSON.stringify(agent.nat)}`);
        assert.equal(agent.nat.tested, 'address');
      }
      for (const p of procs.splice(0).reverse()) await p.stop();
      await l.down();
    }
  });

  for (const hardSide of ['callee', 'caller'] as const)
    it(`nat × hardnat, hard ${hardSide}: birthday probing connects back to back (10 calls, no cool-down); the null packet alone does not`, async () => {
      const l = await up({ a: 'nat', b: 'hardnat' });
      await manager(l);
      const easy = await WindowAgent.start(l, 'a', { stun: STUN });
      const hard = await WindowAgent.start(l, 'b', { stun: STUN });
      procs.push(easy, hard);
      assert.equal(hard.nat.hard, true);
      const [callee, caller] = hardSide === 'callee' ? [hard, easy] : [easy, hard];
      const results: Ev[] = [];
      for (let i = 0; i < 10; i++) results.push(await windowTrial(callee, caller, i));
      const ok = results.filter((r) => r.ok);
      const times = ok.map((r) => Number(r.ms));
      console.log(
        `      ${ok.length}/10 direct; window ${Math.round(quantile(times, 0.5) ?? 0)} ms median, ${Math.round(quantile(times, 0.95) ?? 0)} ms p95; ` +
          `strategies ${[...new Set(ok.map((r) => r.strategy))].join(',')}; failures ${JSON.stringify(results.filter((r) => !r.ok).map((r) => r.code))}`,
      );
      assert.ok(ok.length >= 9, JSON.stringify(results));
      assert.ok(ok.every((r) => r.strategy === 'birthday' && typeof r.rttMs === 'number'));
      // The path ends at the hard site's public address, on a port the probing found.
      for (const r of ok) assert.equal((r.remote as { address: string }).address, hardSide === 'callee' ? l.nodes.rb.address : l.nodes.ra.address);

      // Negative control: the same pair with punch-birthday switched off by config fails cleanly.
      const off = { plugins: { 'punch-birthday': { enabled: false }, 'punch-null-udp': { options: { probeTimeoutMs: 1500 } } } };
      await easy.stop();
      await hard.stop();
      const easy2 = await WindowAgent.start(l, 'a', { stun: STUN, config: off });
      const hard2 = await WindowAgent.start(l, 'b', { stun: STUN, config: off });
      procs.push(easy2, hard2);
      const [callee2, caller2] = hardSide === 'callee' ? [hard2, easy2] : [easy2, hard2];
      const control = await windowTrial(callee2, caller2, 99);
      assert.equal(control.ok, false);
      assert.equal(control.code, 'E_WINDOW_TIMEOUT', JSON.stringify(control));
    });

  it('open × hardnat, both roles: birthday probing connects (the open side filters nothing, so the hard side punches at full TTL)', async () => {
    const l = await up({ a: 'open', b: 'hardnat' });
    await manager(l);
    const open = await WindowAgent.start(l, 'a', { stun: STUN });
    const hard = await WindowAgent.start(l, 'b', { stun: STUN });
    procs.push(open, hard);
    assert.equal(open.nat.filtering, 'endpoint-independent');
    for (const [callee, caller] of [[hard, open], [open, hard]]) {
      const rs: Ev[] = [];
      for (let i = 0; i < 3; i++) rs.push(await windowTrial(callee, caller, i));
      assert.ok(rs.every((r) => r.ok && r.strategy === 'birthday'), JSON.stringify(rs));
      console.log(`      ${callee === hard ? 'hardnat callee' : 'open callee'}: ${rs.map((r) => `${Math.round(Number(r.ms))} ms`).join(', ')}`);
    }
  });

  it('a site that drops all UDP reaches the TURN server over TCP and TLS (UDP times out); a datagram is relayed to the other site and back', async () => {
    const l = await up({ a: 'noudp', b: 'open', turn: true });
    const echo = await UdpAgent.start(l, 'b', { port: 4500, echo: true, quiet: true });
    procs.push({ stop: async () => echo.close() });
    const check = async (uri: string) => {
      const p = new NdjsonProc(l.exec('a', [process.execPath, path.join(HELPERS, 'lab-turn-check.js'), '--uri', uri, '--secret', l.turn!.secret, '--ca', l.turn!.certFile, '--peer', `${l.nodes.b.address}:4500`, '--timeout', '1500']));
      return p.waitFor('turn', 10000);
    };
    const before = await l.counters('ra');
    const udp = await check(`turn:${l.turn!.address}:${l.turn!.port}`);
    assert.equal(udp.ok, false);
    assert.equal(udp.code, 'E_TURN_TIMEOUT', JSON.stringify(udp));
    assert.ok((await l.counters('ra')).udp_drop > before.udp_drop, "a's router dropped the UDP");
    for (const uri of [`turn:${l.turn!.address}:${l.turn!.port}?transport=tcp`, `turns:${l.turn!.address}:${l.turn!.tlsPort}`]) {
      const r = await check(uri);
      assert.equal(r.ok, true, `${uri}: ${JSON.stringify(r)}`);
      assert.match(String(r.relayed), new RegExp(`^${l.turn!.address.replace(/\./g, '\\.')}:\\d+$`));
      assert.match(String(r.reply), /through the relay/);
    }
  });

  it('IPv6 filter × filter (the spec’s Figure 5 today): unsolicited blocked, a TTL-2 null packet from b opens b’s firewall for a', async () => {
    const l = await up({ a: 'filter', b: 'filter', ipv6: true });
    const a = await UdpAgent.start(l, 'a', { port: 4601, bind: '::' });
    const b = await UdpAgent.start(l, 'b', { port: 4602, bind: '::' });
    procs.push({ stop: async () => (a.close(), b.close()) });
    const [A, B] = [l.nodes.a.address6!, l.nodes.b.address6!];
    const before = await l.counters('rb');
    await a.send({ host: B, port: 4602, data: 'unsolicited' });
    assert.equal(await b.waitFor((e) => e.data === 'unsolicited', 400), undefined);
    const dropped = async () => (await l.counters('rb')).fwd_drop - before.fwd_drop;
    for (let i = 0; i < 20 && (await dropped()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await dropped(), 1, "rb's IPv6 filter dropped it");
    await b.send({ host: A, port: 4601, size: 0, ttl: 2 });
    assert.equal(await a.waitFor((e) => e.size === 0, 400), undefined, 'the null packet dies before site a');
    await a.send({ host: B, port: 4602, data: 'hello-b' });
    const atB = await b.waitFor((e) => e.data === 'hello-b');
    assert.ok(atB, 'after the null packet a reaches b over IPv6');
    assert.equal(atB.address, A, 'no NAT on IPv6: b sees a’s own address');
    await b.send({ host: A, port: 4601, data: 'hello-a' });
    assert.ok(await a.waitFor((e) => e.data === 'hello-a'));
  });
});
