import { ContainerModule } from 'inversify';
import { contribute, HookContribution, SessionSecurity, type PluginContext } from '@pinhole/core';
import { SecureNoiseOptions } from './options';
import { NoiseSessionSecurity } from './session-security';
import { SessionProtectionTap } from './session-tap';

export { NoiseSessionSecurity } from './session-security';
export { SessionProtectionTap } from './session-tap';
export { SealedDatagramCipher, type CipherParams } from './datagram-cipher';
export { ReplayWindow, REPLAY_WINDOW } from './replay-window';
export { NoiseInitiator } from './initiator';
export { NoiseResponder } from './responder';
export { MAX_ATTEMPTS } from './handshake-side';
export { protectStream } from './stream-wrapper';
export { datagramKey, streamKey } from './key-schedule';
export { prologue, encodeHandshake, decodeHandshake, type HandshakeFrame } from './handshake-wire';
export { NoiseErrors } from './errors';
export { SecureNoiseOptions } from './options';

/** Binds SessionSecurity and taps stream:session to protect every session that has a handshake. */
export function containerModule(ctx: PluginContext<SecureNoiseOptions>): ContainerModule {
  return new ContainerModule((bind) => {
    bind(SecureNoiseOptions).toConstantValue(ctx.options);
    bind<SessionSecurity>(SessionSecurity).to(NoiseSessionSecurity).inSingletonScope();
    contribute(bind, ctx, HookContribution, SessionProtectionTap);
  });
}
