/**
 * The relay across the real lab, with real processes: `pinhole manager --turn … --turn-secret …`
 * advertising the lab's coturn, `pinhole peer` on b and `pinhole call` on a.
 * - hardnat × hardnat: no direct path exists; the call goes through coturn, encrypted, and a file
 *   arrives byte-identical. Negative control: the same pair without a TURN server fails cleanly.
 * - a site that drops all UDP: the call goes through coturn over TCP; with TCP to the TURN port
 *   blocked too, over TLS.
 * - relay → direct: a nat × nat pair whose direct packets are dropped in the internet starts
 *   relayed; once the block is lifted both sides move to the direct path (`call.path`) while
 *   the call's pings keep flowing.
 * - IPv6 filter × filter (firewalls, no NAT): the dual-stack peers call each other directly over
 *   IPv6.
 */
import { strict as assert } from 'assert';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkLabPrerequisites, Lab, MANAGER_ADDRESS, MANAGER_ALT_ADDRESS, turnArgs, type LabOptions, type NdjsonProc } from '@pinhole/lab';
import { identityArgs, startPinhole } from '../helpers/lab-procs';

const PREFIX = `phr${process.pid}`;
const MANAGER = `${MANAGER_ADDRESS}:8080`;
const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Ev = Record<string, unknown>;

describe('lab: the TURN relay and IPv6 with real processes', function () {
  this.timeout(120000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-lab-relay-'));
  const procs: NdjsonProc[] = [];
  let lab: Lab | undefined;

  before(function () {
    const pre = checkLabPrerequisites({ delayMs: 0, turn: true });
    if (!pre.ok) {
      console.log(`    skipping lab relay: ${pre.missing.join('; ')}`);
      this.skip();
    }
  });
  afterEach(async () => {
    for (const p of procs.splice(0).reverse()) await p.stop();
    await lab?.down();
    lab = undefined;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const start = (l: Lab, node: 'a' | 'b' | 'manager', args: string[]) => {
    const p = startPinhole(l, node, args);
    procs.push(p);
    return p;
  };
  /** Lab, manager (advertising the lab's coturn when `withTurn`) and bob's peer. */
  const setup = async (o: Omit<LabOptions, 'prefix' | 'turn'>, withTurn: boolean, peerArgs: string[] = []) => {
    const l = (lab = await Lab.up({ ...o, prefix: PREFIX, turn: withTurn }));
    await start(l, 'manager', ['manager', '--listen', MANAGER, '--udp', `${MANAGER_ADDRESS}:3478`, '--stun-alt', `${MANAGER_ALT_ADDRESS}:3479`, ...(withTurn ? turnArgs(l) : [])]).waitFor('manager.ready', 10000);
    const bob = start(l, 'b', ['peer', '--id', 'bob', '--manager', MANAGER, '--allow-any', ...identityArgs('bob'), ...peerArgs]);
    await bob.waitFor('peer.registered', 10000);
    return { l, bob };
  };
  const call = (l: Lab, args: string[]) => start(l, 'a', ['call', 'bob', '--id', 'alice', '--manager', MANAGER, ...identityArgs('alice'), ...args]);
  const exited = (p: NdjsonProc, ms: number) => Promise.race([p.exited, wait(ms).then(() => -2)]);
  const event = (p: NdjsonProc, name: string) => p.events.find((e) => e.event === name) as Ev | undefined;

  it('hardnat × hardnat: relayed through coturn, sealed, and a file arrives byte-identical; without a TURN server the call fails cleanly', async () => {
    const inbox = fs.mkdtempSync(path.join(dir, 'inbox-'));
    const src = path.join(dir, 'relayed.bin');
    fs.writeFileSync(src, randomBytes(1024 * 1024 + 3));
    const { l } = await setup({ a: 'hardnat', b: 'hardnat' }, true, ['--inbox', inbox]);
    const c = call(l, ['--pings', '3', '--send', src]);
    const code = await exited(c, 60000);
    assert.equal(code, 0, JSON.stringify(c.events) + c.stderr.join('\n'));
    const ready = event(c, 'call.ready')!;
    assert.equal(ready.path, 'relay');
    assert.equal(ready.strategy, 'relay-turn');
    assert.equal(ready.encrypted, true, 'the relayed path carries the same sealed session');
    assert.match(String(ready.remote), new RegExp(`^${l.turn!.address.replace(/\./g, '\\.')}:\\d+$`), 'the caller sends to a relayed address on coturn');
    assert.equal((event(c, 'call.rtt') as { lost: number }).lost, 0);
    assert.equal(sha(path.join(inbox, 'relayed.bin')), sha(src), 'byte-identical in the inbox');
    console.log(`      hardnat × hardnat relayed: setup ${Math.round(Number(ready.setupMs))} ms, 1 MiB at ${String(event(c, 'file.done')?.MBps)} MB/s`);

    // Negative control: the same network, the manager advertising no TURN server.
    for (const p of procs.splice(0).reverse()) await p.stop();
    await l.down();
    const { l: l2 } = await setup({ a: 'hardnat', b: 'hardnat' }, false);
    const c2 = call(l2, ['--pings', '1', '--timeout', '8000']);
    assert.equal(await exited(c2, 30000), 1, JSON.stringify(c2.events));
    const failed = event(c2, 'call.failed')!;
    assert.equal(failed.code, 'E_NO_RELAY', JSON.stringify(failed));
    assert.match(String(failed.message), /--turn turn:HOST:PORT --turn-secret SECRET/, 'the refusal names the remedy');
    assert.equal(event(c2, 'call.ready'), undefined);
  });

  it('a site whose router drops all UDP calls through coturn over TCP, and over TLS when TCP to the TURN port is blocked too', async () => {
    const { l } = await setup({ a: 'noudp', b: 'hardnat' }, true);
    const before = await l.counters('ra');
    const c = call(l, ['--pings', '3']);
    assert.equal(await exited(c, 60000), 0, JSON.stringify(c.events) + c.stderr.join('\n'));
    const ready = event(c, 'call.ready')!;
    assert.equal(ready.path, 'relay');
    assert.equal(ready.encrypted, true);
    assert.match(String(ready.relayServer), /^turns?:.*(transport=tcp|:\d+$)/, `its own allocation is over TCP or TLS: ${String(ready.relayServer)}`);
    assert.doesNotMatch(String(ready.relayServer), /^turn:[^?]*$/, 'not over UDP');
    assert.equal((event(c, 'call.rtt') as { lost: number }).lost, 0);
    assert.ok((await l.counters('ra')).udp_drop > before.udp_drop, "a's router dropped its UDP");

    // The last resort: TCP to the TURN port blocked as well, the call goes over TLS (turns:).
    const block = await l.run('ra', ['nft', 'insert', 'rule', 'ip', 'pinhole', 'forward', 'tcp', 'dport', String(l.turn!.port), 'drop']);
    assert.equal(block.code, 0, block.stderr);
    const c2 = call(l, ['--pings', '3']);
    assert.equal(await exited(c2, 60000), 0, JSON.stringify(c2.events) + c2.stderr.join('\n'));
    const ready2 = event(c2, 'call.ready')!;
    assert.equal(ready2.path, 'relay');
    assert.equal(ready2.relayServer, `turns:${l.turn!.address}:${l.turn!.tlsPort}`, 'over TLS');
    assert.equal((event(c2, 'call.rtt') as { lost: number }).lost, 0);
    console.log(`      no UDP: TCP relay setup ${Math.round(Number(ready.setupMs))} ms; TLS only: ${Math.round(Number(ready2.setupMs))} ms`);
  });

  it('relay → direct: a pair whose direct packets are dropped starts relayed and moves to the direct path when the block lifts, losing no ping', async () => {
    const { l, bob } = await setup({ a: 'nat', b: 'nat' }, true);
    await l.cutDirect(true);
    // 250 pings 20 ms apart: the call lasts several seconds across the move.
    const c = call(l, ['--pings', '250']);
    const ready = await c.waitFor('call.ready', 30000);
    assert.equal(ready.path, 'relay', JSON.stringify(ready));
    assert.equal(ready.strategy, 'relay-turn');
    // Negative control: while the block holds, the probes get no answer and nothing moves.
    await wait(2500);
    assert.equal(event(c, 'call.path'), undefined, 'no move while direct packets are dropped');
    await l.cutDirect(false);
    const moved = await c.waitFor('call.path', 15000);
    assert.equal(moved.path, 'direct');
    assert.equal(moved.was, 'relay');
    assert.equal(await exited(c, 60000), 0, JSON.stringify(c.events) + c.stderr.join('\n'));
    const rtt = event(c, 'call.rtt') as { lost: number; samples: number[] };
    assert.equal(rtt.lost, 0, 'no ping lost across the move');
    assert.equal(rtt.samples.length, 250);
    const callee = bob.events.find((e) => e.event === 'call.path');
    assert.equal(callee?.path, 'direct', 'the callee moved too');
    console.log(`      relayed ${String(moved.relayedMs)} ms (${String(moved.probeRounds)} probe rounds), then direct to ${String(moved.remote)}; 250/250 pings answered`);
  });

  it('IPv6 filter × filter: dual-stack peers register their IPv6 addresses and the call goes direct over IPv6', async () => {
    const { l } = await setup({ a: 'filter', b: 'filter', ipv6: true }, false);
    // IPv4 works here too, so IPv6 wins by its head start: RFC 8305's 250 ms ballpark rather than
    // the 50 ms default, so a busy machine's late first answer does not hand the race to IPv4.
    const config = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-v6-')), 'config.json');
    fs.writeFileSync(config, JSON.stringify({ plugins: { 'punch-null-udp': { options: { ipv6HeadStartMs: 300 } } } }));
    const c = call(l, ['--pings', '3', '--config', config]);
    assert.equal(await exited(c, 30000), 0, JSON.stringify(c.events) + c.stderr.join('\n'));
    const registered = event(c, 'peer.registered')!;
    assert.ok((registered.candidates as string[]).some((x) => x.startsWith(`[${l.nodes.a.address6}]:`)), JSON.stringify(registered));
    const ready = event(c, 'call.ready')!;
    assert.equal(ready.path, 'direct');
    assert.ok(String(ready.remote).startsWith(`[${l.nodes.b.address6}]:`), `direct to b's IPv6 address: ${String(ready.remote)}`);
    assert.equal((event(c, 'call.rtt') as { lost: number }).lost, 0);
  });
});
