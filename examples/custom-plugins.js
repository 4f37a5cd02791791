// An app that composes its own plugin set: only the peer essentials (manager-client and what it
// depends on, the null-packet punch strategy) plus one plugin made from the template — the text
// payload of plugin-template/payload, handed over as a module. Nothing else runs: no files, no
// voice, no lab. Run: node examples/custom-plugins.js
const fs = require('fs');
const os = require('os');
const path = require('path');
const { createManager, createPeer, MANAGER_PLUGINS, PEER_PLUGINS } = require('pinhole');

// What `pinhole new-plugin my-text --kind payload` makes, built: its manifest and its module.
const TEMPLATE = path.join(__dirname, '..', 'plugin-template', 'payload');
const textPlugin = { manifest: require(path.join(TEMPLATE, 'package.json')), module: require(path.join(TEMPLATE, 'dist', 'src', 'index.js')), dir: TEMPLATE };

async function main(message = 'composed from exactly the plugins this app needs') {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-custom-'));
  const key = (name) => ({ identity: path.join(work, `${name}.pem`), knownPeers: path.join(work, `${name}.known_peers`) });
  const plugins = [...PEER_PLUGINS, textPlugin];
  const manager = await createManager({ plugins: MANAGER_PLUGINS });
  const bob = await createPeer({ id: 'bob', manager, plugins, allow: ['alice'], payloadTypes: ['template-payload'], ...key('bob') });
  const alice = await createPeer({ id: 'alice', manager, plugins, ...key('alice') });
  try {
    const received = new Promise((resolve) =>
      bob.onCall(async (call) => {
        const text = await bob.payload(call, 'template-payload');
        text.onReceived(resolve);
      }),
    );
    const call = await alice.call('bob', { payloadTypes: ['template-payload'] });
    const text = await alice.payload(call, 'template-payload');
    await text.send(message);
    console.log(`bob received: ${await received}`);
    const active = alice.host.plugins.list().filter((p) => p.state === 'active').map((p) => p.id);
    console.log(`alice runs: ${active.join(', ')}`);
    await call.hangup();
    return { received: await received, active };
  } finally {
    await alice.close();
    await bob.close();
    await manager.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

module.exports = { main };
if (require.main === module) main(process.argv[2]).catch((err) => {
  console.error(`custom-plugins: ${err.code ?? 'E_INTERNAL'}: ${err.message}`);
  process.exitCode = 1;
});
