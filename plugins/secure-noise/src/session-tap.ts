import { inject, injectable } from 'inversify';
import { isSessionStreamContext, SESSION_STREAM, SessionSecurity, type HookContribution, type StreamContext, type TapApi } from '@pinhole/core';
import { NoiseErrors } from './errors';
import { SecureNoiseOptions } from './options';

/**
 * The `stream` tap that protects a session when it opens (DESIGN.md §B). media-udp runs
 * `hooks.stream.for('session')` once per session with a SessionStreamContext; when it carries a
 * `handshake` (the result of this call's initiator/responder) and no protection yet, this tap
 * checks that the handshake belongs to this session (call id, both endpoint ids) and sets
 * `ctx.protection` (datagram cipher + stream wrapper). No handshake (an --insecure session):
 * nothing is installed, and media-udp decides.
 */
@injectable()
export class SessionProtectionTap implements HookContribution {
  constructor(
    @inject(SessionSecurity) private readonly security: SessionSecurity,
    @inject(SecureNoiseOptions) private readonly options: SecureNoiseOptions,
  ) {}

  apply(hooks: TapApi): void {
    hooks.stream.for(SESSION_STREAM).tap({ stage: this.options.stage }, (ctx) => this.protect(ctx));
  }

  protect(ctx: StreamContext): void {
    if (!isSessionStreamContext(ctx) || !ctx.handshake || ctx.protection) return;
    const hs = ctx.handshake;
    if (hs.callId !== ctx.callId) throw NoiseErrors.SESSION_MISMATCH(`call ${hs.callId}, session ${ctx.callId}`);
    if (hs.localEndpoint !== ctx.localEndpoint || hs.remoteEndpoint !== ctx.remoteEndpoint)
      throw NoiseErrors.SESSION_MISMATCH(`endpoints ${hs.localEndpoint}/${hs.remoteEndpoint}, session ${ctx.localEndpoint}/${ctx.remoteEndpoint}`);
    if (hs.initiator !== (ctx.role === 'caller')) throw NoiseErrors.SESSION_MISMATCH(`the ${ctx.role} cannot use the ${hs.initiator ? 'initiator' : 'responder'}'s keys`);
    ctx.protection = this.security.protect(hs);
  }
}
