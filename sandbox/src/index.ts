/** @pinhole/sandbox: run a module's API in a worker thread behind batched RPC, contained and restarted. */
export { Sandbox, SANDBOX_DEFAULTS, type Remote, type SandboxOptions, type SandboxState, type CrashReport } from './sandbox';
export { SandboxError, SandboxErrors, toRemoteError, type RemoteError, type CrashCause } from './errors';
export { notifyHost } from './notify';
export type { RestartLimits } from './restart-policy';
