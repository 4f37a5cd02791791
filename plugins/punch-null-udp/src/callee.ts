import { DatagramType, encodeDatagram, type WindowRequest, type WindowResult } from '@pinhole/core';
import { STRATEGY, type NullUdpOptions } from './options';
import { orderTargets } from './targets';

/**
 * Callee side (spec ¶42–¶47, step 84): send the zero-payload null datagram from the media
 * socket to each of the caller's candidates with a low TTL. It crosses the callee's own
 * firewall/NAT (creating the window and mapping) and dies before the caller's firewall, where
 * an unsolicited packet could create state that breaks the caller's port mapping. The first
 * round is awaited so WindowOpened is only sent once the window exists; repeats against loss
 * continue in the background over `spreadMs` — to the caller's address as the manager observed
 * it (the reflexive candidate) only, so a caller cannot multiply what we send to addresses it
 * merely reported (the reflection budget: one null packet per reported address, at most
 * maxTargets − 1 of them).
 */
export async function openAsCallee(req: WindowRequest, o: NullUdpOptions): Promise<WindowResult | undefined> {
  const targets = orderTargets(req.remoteCandidates).slice(0, o.maxTargets);
  if (targets.length === 0) return undefined;
  const packet = encodeDatagram(DatagramType.NULL, req.remoteEndpoint, req.localEndpoint);
  const send = (t: { address: string; port: number }) => req.socket.send(packet, t.port, t.address, { ttl: o.ttl }).catch(() => undefined);
  const observed = targets.filter((t) => t.kind === 'reflexive');
  let sent = 0;
  if (o.sendNullPacket) {
    await Promise.all(targets.map(send));
    sent = targets.length;
    const gap = o.repeats > 1 ? o.spreadMs / (o.repeats - 1) : 0;
    for (let i = 1; i < o.repeats; i++) {
      const t = setTimeout(() => void (req.signal.aborted || observed.forEach(send)), Math.round(gap * i));
      t.unref();
      req.signal.addEventListener('abort', () => clearTimeout(t), { once: true });
    }
  }
  return {
    strategy: STRATEGY,
    path: 'direct',
    remote: { address: targets[0].address, port: targets[0].port },
    detail: { ttl: o.ttl, nullPackets: sent, repeats: o.sendNullPacket && observed.length ? o.repeats : o.sendNullPacket ? 1 : 0, targets: targets.map((t) => `${t.address}:${t.port}`) },
  };
}
