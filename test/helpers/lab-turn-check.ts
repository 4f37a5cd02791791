/**
 * Allocates on a TURN server from inside a lab namespace and relays one datagram to an echo
 * peer and back: node lab-turn-check.js --uri URI --secret S [--ca FILE] --peer HOST:PORT
 *   ← {"event":"turn","ok":true,"relayed":"…","rttMs":…} or {"event":"turn","ok":false,"code":…,"message":…}
 */
import 'reflect-metadata';
import * as fs from 'fs';
import { parseArgs } from 'util';
import type { PinholeError } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import { TurnAllocator } from '@pinhole/relay-turn';

const { values } = parseArgs({ options: { uri: { type: 'string' }, secret: { type: 'string' }, ca: { type: 'string' }, peer: { type: 'string' }, timeout: { type: 'string', default: '3000' } } });
const emit = (o: object) => void process.stdout.write(JSON.stringify(o) + '\n');

(async () => {
  const host = new Host({ config: { log: { level: 'silent' }, plugins: { 'relay-turn': { options: { requestTimeoutMs: Number(values.timeout), connectTimeoutMs: Number(values.timeout) } } } } });
  await host.plugins.activate('relay-turn');
  const allocator = await host.services.load(TurnAllocator);
  const [address, port] = values.peer!.split(/:(?=\d+$)/);
  const peer = { address, port: Number(port) };
  try {
    const c = await allocator.allocate({ uri: values.uri!, secret: values.secret, user: 'lab', ca: values.ca ? fs.readFileSync(values.ca) : undefined });
    await c.connect(peer);
    const t0 = performance.now();
    const reply = await new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 2000);
      c.onData((d: Buffer) => (clearTimeout(timer), resolve(d)));
      c.send(peer, Buffer.from('through the relay'));
    });
    emit({ event: 'turn', ok: !!reply, relayed: `${c.relayed.address}:${c.relayed.port}`, mapped: c.mapped && `${c.mapped.address}:${c.mapped.port}`, reply: reply?.toString(), rttMs: performance.now() - t0 });
    await c.close();
  } catch (err) {
    emit({ event: 'turn', ok: false, code: (err as PinholeError).code, message: (err as Error).message });
  }
  await host.dispose();
})();
