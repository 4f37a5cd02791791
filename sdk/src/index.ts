/**
 * pinhole: Pinhole from code.
 *
 *     import { createManager, createPeer } from 'pinhole';
 *     const manager = await createManager();
 *     const bob = await createPeer({ id: 'bob', manager, allow: ['alice'] });
 *     bob.onCall((call) => call.stream('chat').on('data', (d) => console.log(String(d))));
 *     const alice = await createPeer({ id: 'alice', manager });
 *     const call = await alice.call('bob');
 *     call.stream('chat').write(Buffer.from('hello'));
 *
 * Every peer and manager runs its own plugin host; plugins are chosen by name or handed over as
 * modules. Nothing is printed unless a logger is given.
 */
import 'reflect-metadata';

export { createPeer, Peer, type PeerInit, type PeerEvents, type CallInit, type SendFileOptions } from './peer';
export { createManager, Manager, type ManagerInit, type ManagerEvents } from './manager';
export { Call } from './call';
export { PEER_PLUGINS, MANAGER_PLUGINS, type PluginSpec, type HostInit } from './host';
export {
  createLogger,
  PinholeError,
  PayloadType,
  type PayloadEndpoint,
  CORE_VERSION as VERSION,
  type Logger,
  type LogLevel,
  type Disposable,
  type FileReceived,
  type FileSent,
  type ManagerSnapshot,
  type ManagerPeerView,
  type ManagerCallView,
  type PayloadProgress,
  type ReliableStream,
  type RegisteredInfo,
  type VoiceCall,
  type VoiceOptions,
  type VoiceStats,
  type VideoCall,
  type VideoOptions,
  type VideoStats,
  type PluginModule,
} from '@pinhole/core';
export type { PinholeConfig } from '@pinhole/core/host';
