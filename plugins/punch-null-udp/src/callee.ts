import { DatagramType, encodeDatagram, type WindowRequest, type WindowResult } from '@pinhole/core';
import { STRATEGY, type NullUdpOptions } from './options';
import { orderTargets } from './targets';

/**
 * Callee side (spec ¶42–¶47, step 84): send the zero-payload null datagram from the media
 * socket to each of the caller's candidates with a low TTL. It crosses the callee's own
 * firewall/NAT (creating the window and mapping) and dies before the caller's firewall, where
 * an unsolicited packet could create state that breaks the caller's port mapping. The first
 * round is awaited so WindowOpened is only sent once the window exists; repeats against loss
 * continue in the background over `spreadMs`.
 */
export async function openAsCallee(req: WindowRequest, o: NullUdpOptions): Promise<WindowResult | undefined> {
  const targets = orderTargets(req.remoteCandidates);
  if (targets.length === 0) return undefined;
  const packet = encodeDatagram(DatagramType.NULL, req.remoteEndpoint, req.localEndpoint);
  const round = () => Promise.all(targets.map((t) => req.socket.send(packet, t.port, t.address, { ttl: o.ttl }).catch(() => undefined)));
  let sent = 0;
  if (o.sendNullPacket) {
    await round();
    sent = targets.length;
    const gap = o.repeats > 1 ? o.spreadMs / (o.repeats - 1) : 0;
    for (let i = 1; i < o.repeats; i++) {
      const t = setTimeout(() => void (req.signal.aborted || round()), Math.round(gap * i));
      t.unref();
      req.signal.addEventListener('abort', () => clearTimeout(t), { once: true });
    }
  }
  return {
    strategy: STRATEGY,
    path: 'direct',
    remote: { address: targets[0].address, port: targets[0].port },
    detail: { ttl: o.ttl, nullPackets: sent, repeats: o.sendNullPacket ? o.repeats : 0, targets: targets.map((t) => `${t.address}:${t.port}`) },
  };
}
