/**
 * @pinhole/core: what a plugin author uses — service identifiers and their interfaces, errors,
 * hook and contribution types, the plugin context, wire codecs and helpers. The host itself
 * (Host, PluginHost, manifests, config, CLI) is `@pinhole/core/host`, for apps and tests.
 */
import 'reflect-metadata';
export * from './errors';
export * from './disposable';
export * from './deferred';
export * from './round-trip';
export * from './log';
export * from './commands';
export * from './hooks/hooks';
export * from './hooks/create-hooks';
export * from './hooks/types';
export type { HookPoint, KeyedHookPoint, TapInfo } from './hooks/hook-point';
export type { TapApi, TapOptions, Tappable } from './hooks/tap';
export * from './hooks/tap-error';
export * from './hooks/contribution';
export * from './container/contribute';
export * from './container/services';
export * from './activation/plugin-context';
export * from './manifest/types';
export * from './version';
export * from './schemas';
export * from './wire/control';
export * from './wire/framing';
export * from './wire/datagram';
export * from './wire/stun';
export * from './wire/sealed-datagram';
export * from './security/keys';
export * from './security/policy';
export * from './security/registration-digest';
export * from './security/errors';
export * from './services/directory';
export * from './services/directory-errors';
export * from './services/directory-options';
export * from './services/media';
export * from './services/peer-client';
export * from './services/manager';
export * from './services/codec';
export * from './services/video-codec';
export * from './services/video';
export * from './services/y4m';
export * from './services/voice';
export * from './services/payload';
export * from './services/file-transfer';
export * from './services/security';
export * from './security/home';
export * from './security/flags';
export * from './stdio';
