import { strict as assert } from 'assert';
import { Contributions, ManagerServerFactory, PeerClientFactory, VoiceService, type PeerClient } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { fixtureHost, type Probe } from '../helpers/fixtures';
import { peerOptions } from '../helpers/peers';

/** The repository's plugins plus test/fixtures/plugins-contrib (strategies at stages -10, -5, 10; codecs declared or bound but not both). */
function contribHost(): { host: Host; probe: Probe } {
  return fixtureHost(
    'plugins-contrib',
    { log: { level: 'silent' }, plugins: { 'punch-null-udp': { options: { probeTimeoutMs: 2000, spreadMs: 100, repeats: 2 } } } },
    { builtinPlugins: true },
  );
}

const codes = (host: Host, id: string) => host.plugins.get(id)!.problems.map((p) => `${p.code} ${p.path}`).sort();

describe('contribution points are consumed: the call picks punch strategies and codecs through them', function () {
  this.timeout(20000);

  it('Contributions lists what enabled manifests declare, with the declaring plugin, before anything activates', async () => {
    const { host } = contribHost();
    const contributions = await host.services.load<Contributions>(Contributions);
    const strategies = contributions.of('punchStrategies').map((s) => `${s.name}@${s.pluginId}:${s.stage ?? 0}`).sort();
    assert.deepEqual(strategies, ['first@punch-first:-5', 'last@punch-last:10', 'null-udp@punch-null-udp:0', 'sneaky@punch-sneaky:-10']);
    assert.ok(contributions.of('codecs').some((c) => c.name === 'ghost' && c.pluginId === 'codec-ghost'));
    assert.equal(host.plugins.get('punch-null-udp')!.state, 'inactive');
  });

  it('a call tries the contributed strategies in stage order, activating them on the way, until one answers', async () => {
    const { host, probe } = contribHost();
    const clients: PeerClient[] = [];
    const manager = await (await host.services.load<ManagerServerFactory>(ManagerServerFactory, 'onManager')).start({ host: '127.0.0.1', port: 0, udpPort: 0 });
    try {
      const factory = await host.services.load<PeerClientFactory>(PeerClientFactory, 'onCommand:peer');
      for (const id of ['alice', 'bob']) clients.push(await factory.create(peerOptions(`contrib-${id}`, manager)));
      const [alice, bob] = clients;
      for (const id of ['punch-first', 'punch-last', 'punch-null-udp', 'punch-sneaky']) assert.equal(host.plugins.get(id)!.state, 'active', `${id} activated through its contribution`);
      await alice.start();
      await bob.start();
      const call = await alice.call('contrib-bob');
      assert.equal(call.window.strategy, 'null-udp');
      const ran = probe.command.args.map((a) => a[0]).sort();
      assert.deepEqual(ran, ['first:callee', 'first:caller'], 'stage -5 ran before null-udp (0) on both sides; stage 10 never ran; an undeclared tap never runs');
      await alice.hangup(call.callId);
    } finally {
      for (const c of clients) await c.close();
      await manager.close();
      await host.dispose();
    }
  });

  it('a strategy declared but not tapped, and a tap not declared, are reported on their plugin', async () => {
    const { host } = contribHost();
    await host.plugins.activateByEvent('onPunch:sneaky');
    assert.equal(host.plugins.get('punch-sneaky')!.state, 'active');
    assert.deepEqual(codes(host, 'punch-sneaky'), ['E_CONTRIBUTION_UNBOUND /contributes/punchStrategies/0', 'E_CONTRIBUTION_UNDECLARED /contributes/punchStrategies']);
    assert.match(host.plugins.get('punch-sneaky')!.problems.map((p) => p.message).join(' '), /taps no openWindow\.for\("sneaky"\).*"other", which its manifest does not contribute/);
    await host.dispose();
  });

  it('a voice call offers the codecs manifests declare and plugins bind: a declared but unbound codec is reported, an undeclared one never offered', async () => {
    const { host } = contribHost();
    const voice = await host.services.load<VoiceService>(VoiceService, 'onPayload:voice');
    assert.equal(host.plugins.get('codec-stray')!.state, 'active', 'it binds a Codec named "stray" without declaring it');
    assert.deepEqual(await voice.codecs(), ['opus', 'pcmu', 'pcma']);
    assert.equal(host.plugins.get('codec-ghost')!.state, 'active');
    assert.deepEqual(codes(host, 'codec-ghost'), ['E_CONTRIBUTION_UNBOUND /contributes/codecs/0']);
    assert.match(host.plugins.get('codec-ghost')!.problems[0].message, /contributes codec "ghost" but binds no Codec of that name/);
    assert.deepEqual(codes(host, 'codec-g711'), []);
    await host.dispose();
  });
});
