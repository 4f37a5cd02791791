import { VoiceService, type DatagramSession, type MediaTransport, type StreamContext, type VoiceTarget } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { rng } from './rng';
import { transport } from './media';
import { handshakePair } from './secure';

/** What the network does to one direction's voice datagrams (applied on arrival). */
export interface Impairment {
  /** Fraction dropped, 0–1. */
  loss?: number;
  /** Extra delay, uniform in [0, jitterMs] of media time (divided by `speed` for the wall clock). */
  jitterMs?: number;
  speed?: number;
  seed?: number;
  /** Sees each delivered payload with its wall-clock arrival time (ms). */
  onDeliver?: (payload: Buffer, atMs: number) => void;
}

/**
 * A test-only wrapper around a real session: the `voice` stream it hands out drops and delays
 * incoming datagrams as `imp` says before the voice call sees them (loss and jitter injection).
 */
export function impaired(call: VoiceTarget, imp: Impairment): VoiceTarget {
  const r = rng(imp.seed ?? 1);
  const speed = imp.speed ?? 1;
  return {
    callId: call.callId,
    role: call.role,
    session: {
      onClose: (h) => call.session.onClose(h),
      openStream: async (type: string): Promise<StreamContext> => {
        const ctx = await call.session.openStream(type);
        return {
          ...ctx,
          send: (p) => ctx.send(p),
          onPayload: (handler) =>
            ctx.onPayload((p) => {
              if (r.next() < (imp.loss ?? 0)) return;
              const delay = (r.next() * (imp.jitterMs ?? 0)) / speed;
              const deliver = () => {
                imp.onDeliver?.(p, performance.now());
                handler(p);
              };
              if (delay > 0) setTimeout(deliver, delay);
              else deliver();
            }),
        };
      },
    },
  };
}

export interface CallPair {
  caller: VoiceTarget;
  callee: VoiceTarget;
  voice: VoiceService;
  close(): Promise<void>;
}

let nextCall = 1;

/** Two real sessions on loopback (media-udp, real sockets), as an established call gives them. */
export async function callPair(host: Host): Promise<CallPair> {
  await host.plugins.activateByEvent('onPayload:voice');
  const a: MediaTransport = await transport(host);
  const b: MediaTransport = await transport(host);
  const callId = `voice-${nextCall++}`;
  const addr = (t: MediaTransport) => ({ address: '127.0.0.1', port: t.socket.localPort });
  const [callerEndpoint, calleeEndpoint] = [0x100 + nextCall, 0x200 + nextCall];
  const hs = await handshakePair(host, { callId, callerEndpoint, calleeEndpoint });
  const as: DatagramSession = await a.openSession({ callId, role: 'caller', localEndpoint: callerEndpoint, remoteEndpoint: calleeEndpoint, remote: addr(b), keepaliveMs: 0, handshake: hs.caller });
  const bs: DatagramSession = await b.openSession({ callId, role: 'callee', localEndpoint: calleeEndpoint, remoteEndpoint: callerEndpoint, remote: addr(a), keepaliveMs: 0, handshake: hs.callee });
  return {
    caller: { callId, role: 'caller', session: as },
    callee: { callId, role: 'callee', session: bs },
    voice: await host.services.load<VoiceService>(VoiceService),
    async close() {
      await as.close();
      await bs.close();
      await a.close();
      await b.close();
    },
  };
}
