/** @pinhole/sandbox: isolate a plugin's compute API (codecs …) in a worker thread. */
export { Sandbox, type Remote, type SandboxOptions } from './sandbox';
