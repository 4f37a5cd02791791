// A text chat between two peers: alice calls bob and they talk over an encrypted stream on the
// direct path. Run: node examples/chat.js [lines for alice to say…]
// (Everything runs here: a manager on loopback and both peers, each with its own key.)
const fs = require('fs');
const os = require('os');
const path = require('path');
const { createManager, createPeer } = require('pinhole');

async function main(lines = ['hello bob', 'the window is open']) {
  const keys = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-chat-'));
  const key = (name) => ({ identity: path.join(keys, `${name}.pem`), knownPeers: path.join(keys, `${name}.known_peers`) });
  const manager = await createManager();
  const bob = await createPeer({ id: 'bob', manager, allow: ['alice'], ...key('bob') });
  const alice = await createPeer({ id: 'alice', manager, ...key('alice') });
  try {
    // bob answers every line with its length.
    bob.onCall((call) => {
      const chat = call.stream('chat');
      readLines(chat, (line) => {
        console.log(`bob   <- ${call.peer}: ${line}`);
        chat.write(Buffer.from(`${line.length} characters, got them\n`));
      });
    });
    const call = await alice.call('bob');
    console.log(`alice -> bob: call up in ${call.setupMs.toFixed(1)} ms, ${call.path} via ${call.strategy}, encrypted: ${call.encrypted}, bob is ${call.remoteFingerprint}`);
    const chat = call.stream('chat');
    let answered = 0;
    const done = new Promise((resolve) =>
      readLines(chat, (line) => {
        console.log(`alice <- bob: ${line}`);
        if (++answered === lines.length) resolve();
      }),
    );
    for (const line of lines) chat.write(Buffer.from(line + '\n'));
    await done;
    await call.hangup('bye');
  } finally {
    await alice.close();
    await bob.close();
    await manager.close();
    fs.rmSync(keys, { recursive: true, force: true });
  }
}

/** Calls `onLine` for each newline-terminated line of a stream. */
function readLines(stream, onLine) {
  let buffered = '';
  stream.on('data', (chunk) => {
    buffered += chunk.toString('utf8');
    let i;
    while ((i = buffered.indexOf('\n')) >= 0) {
      onLine(buffered.slice(0, i));
      buffered = buffered.slice(i + 1);
    }
  });
}

module.exports = { main };
if (require.main === module) main(process.argv.slice(2).length ? process.argv.slice(2) : undefined).catch((err) => {
  console.error(`chat: ${err.code ?? 'E_INTERNAL'}: ${err.message}`);
  process.exitCode = 1;
});
