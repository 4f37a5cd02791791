import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  Codec,
  createLogger,
  ManagerServerFactory,
  PeerClientFactory,
  PluginError,
  VoiceService,
  type EstablishedCall,
  type ManagerServer,
  type PeerClient,
  type VoiceCall,
} from '@pinhole/core';
import { Host, type PluginCrash } from '@pinhole/core/host';
import { readWav } from '@pinhole/payload-voice';
import { speechLike } from '../../helpers/audio';
import { FIXTURES } from '../../helpers/fixtures';
import { peerOptions } from '../../helpers/peers';

const SPEED = 4;

/**
 * Deliberately hostile third-party codecs (test/fixtures/plugins-hostile, through pluginPaths, so
 * isolated in workers by default) in one peer process with the built-in plugins: a real manager
 * (TLS), two registered peers, Noise-protected sessions. Each hostile codec does its damage at
 * the 10th frame of a call's encoder. What must hold: the call that needed it fails with an error
 * naming the plugin, `plugin.crashed` says why, the plugin is restarted (or stopped past its
 * limit), and a call with a built-in codec right after it works, bit-exact, in the same process.
 */
describe('isolation: hostile plugins from pluginPaths are contained', function () {
  this.timeout(60_000);
  let host: Host;
  let manager: ManagerServer;
  let alice: PeerClient;
  let bob: PeerClient;
  let voice: VoiceService;
  let dir: string;
  const crashes: PluginCrash[] = [];
  const restarts: string[] = [];
  const lines: string[] = [];
  /** Bob answers every call, listening, recording each to its own file. */
  const answered: Array<{ call: VoiceCall; record: string }> = [];
  let answering: Promise<void> = Promise.resolve();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-hostile-'));
    host = new Host({
      config: {
        pluginPaths: [path.join(FIXTURES, 'plugins-hostile')],
        plugins: {
          'payload-voice': { options: { minDelayMs: 150 } },
          'codec-spin': { limits: { callTimeoutMs: 500, restartBackoffMs: 100 } },
          // V8 collects hard before it gives up on a heap (1–3 s under load): the call timeout must not come first.
          'codec-hog': { limits: { maxHeapMb: 32, callTimeoutMs: 20_000 } },
          'codec-exit': { limits: { maxRestarts: 1, restartBackoffMs: 100 } },
        },
      },
      log: createLogger({ json: true, level: 'warn', write: (l) => lines.push(l) }),
    });
    host.plugins.onCrashed((c) => crashes.push(c));
    await host.start();
    await host.plugins.activate('media-udp');
    await host.plugins.activate('secure-noise');
    manager = await (await host.services.load<ManagerServerFactory>(ManagerServerFactory, 'onManager')).start({ host: '127.0.0.1', port: 0, udpHost: '127.0.0.1', udpPort: 0 });
    const peers = await host.services.load<PeerClientFactory>(PeerClientFactory, 'onCommand:peer');
    alice = await peers.create(peerOptions('hostile-alice', manager));
    bob = await peers.create(peerOptions('hostile-bob', manager));
    await alice.start();
    await bob.start();
    voice = await host.services.load<VoiceService>(VoiceService, 'onPayload:voice');
    bob.onIncomingCall((call) => {
      const record = path.join(dir, `bob-${answered.length}.wav`);
      answering = voice.start(call, { record, speed: SPEED }).then((c) => void answered.push({ call: c, record }));
    });
  });

  after(async () => {
    await alice?.close();
    await bob?.close();
    await manager?.close();
    await host?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Alice calls Bob and talks with `codec`; resolves with her call and Bob's, once both are set up. */
  async function talk(codec: string, seconds = 1): Promise<{ call: EstablishedCall; mine: VoiceCall; input: Int16Array; theirs: () => { call: VoiceCall; record: string } }> {
    const call = await alice.call('hostile-bob');
    const input = speechLike(8000, seconds, 3);
    const mine = await voice.start(call, { input: { sampleRate: 8000, samples: input }, codec, vad: false, speed: SPEED });
    await answering;
    const theirs = answered[answered.length - 1];
    return { call, mine, input, theirs: () => theirs };
  }

  /** A call with the built-in PCMU right after: Bob records exactly Alice's input through PCMU. */
  async function builtInCallWorks(): Promise<void> {
    const { call, mine, input, theirs } = await talk('pcmu');
    try {
      assert.equal(mine.codec, 'pcmu');
      await Promise.all([mine.finished, theirs().call.finished]);
      await mine.stop();
      await theirs().call.stop();
      const pcmu = (await host.services.loadAll<Codec>(Codec)).find((c) => c.name === 'pcmu')!;
      const enc = pcmu.createEncoder();
      const dec = pcmu.createDecoder();
      const expected = new Int16Array(input.length);
      for (let at = 0; at < input.length; at += 160) expected.set(await dec.decode(await enc.encode(input.slice(at, at + 160))), at);
      assert.deepEqual(readWav(theirs().record).samples, expected, 'the PCMU call is bit-exact (through the codec)');
    } finally {
      await alice.hangup(call.callId);
    }
  }

  const namesPlugin = (plugin: string) => (e: unknown) => {
    assert.ok(e instanceof PluginError, `a PluginError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.equal(e.code, 'E_PLUGIN_CRASHED');
    assert.ok(e.message.includes(`plugin "${plugin}"`), e.message);
    return true;
  };

  for (const [codec, plugin, cause, why] of [
    // The spinning encode() may hold back the answer of a decode() sent in the same batch: both are named.
    ['spin', 'codec-spin', 'timeout', /(^|, )encode\(\)(, \w+\(\))* did not answer within 500 ms/],
    ['hog', 'codec-hog', 'heap', /ran out of its 32 MB heap/],
    ['exit', 'codec-exit', 'exit', /exited with code 7/],
  ] as const) {
    it(`${plugin} (${cause}): the call that needed it fails naming the plugin, plugin.crashed says why, it is restarted; a PCMU call then works`, async () => {
      const before = crashes.length;
      const { call, mine, theirs } = await talk(codec);
      try {
        assert.equal(mine.codec, codec, 'the hostile codec was agreed: it works until its 10th frame');
        await assert.rejects(mine.finished, namesPlugin(plugin));
        await mine.stop();
        await theirs().call.stop();
      } finally {
        await alice.hangup(call.callId);
      }
      const crash = crashes.slice(before).find((c) => c.plugin === plugin);
      assert.ok(crash, `plugin.crashed for ${plugin}: ${JSON.stringify(crashes)}`);
      assert.equal(crash.cause, cause);
      assert.match(crash.message, why);
      assert.equal(crash.gaveUp, false);
      assert.ok(crash.restartInMs! > 0);
      assert.ok(lines.some((l) => JSON.parse(l).event === 'plugin.crashed' && JSON.parse(l).plugin === plugin), 'logged as the plugin.crashed event');
      await builtInCallWorks();
      assert.equal(host.plugins.get(plugin)?.state, 'active', 'restarted');
    });
  }

  it('codec-throw (throws in activate): reported, left out of the offer; a call asking for it fails naming it; a PCMU call then works', async () => {
    const codecs = await voice.codecs();
    assert.ok(!codecs.includes('throw') && codecs.includes('pcmu'), codecs.join(','));
    const crash = crashes.find((c) => c.plugin === 'codec-throw');
    assert.ok(crash, 'plugin.crashed for codec-throw');
    assert.deepEqual([crash.cause, crash.gaveUp], ['activate', true]);
    assert.match(crash.message, /this plugin refuses to activate/);
    assert.equal(host.plugins.get('codec-throw')?.state, 'failed');
    const call = await alice.call('hostile-bob');
    try {
      await assert.rejects(voice.start(call, { codec: 'throw', speed: SPEED, negotiateTimeoutMs: 2000 }), (e: unknown) => {
        assert.match((e as Error).message, /plugin "codec-throw" failed to activate in its isolation worker: .*refuses to activate/);
        return true;
      });
    } finally {
      await alice.hangup(call.callId); // Bob, still waiting for an offer, gives up when the session closes
    }
    await answering.catch(() => undefined);
    await builtInCallWorks();
  });

  it('past its restart limit a plugin is stopped for good (state failed, no longer offered); built-in calls go on', async () => {
    const before = crashes.filter((c) => c.plugin === 'codec-exit').length;
    assert.equal(before, 1, 'codec-exit crashed once (the test above)');
    const { call, mine, theirs } = await talk('exit');
    try {
      await assert.rejects(mine.finished, namesPlugin('codec-exit'));
      await mine.stop();
      await theirs().call.stop();
    } finally {
      await alice.hangup(call.callId);
    }
    const last = crashes.filter((c) => c.plugin === 'codec-exit').at(-1)!;
    assert.deepEqual([last.cause, last.gaveUp, last.crashes], ['exit', true, 2]);
    assert.equal(host.plugins.get('codec-exit')?.state, 'failed');
    assert.match(host.plugins.get('codec-exit')!.problems.map((p) => p.message).join(' '), /crashed 2 times .* not restarted again/);
    assert.ok(!(await voice.codecs()).includes('exit'), 'no longer offered');
    await builtInCallWorks();
  });
});
