/** What the lab needs from the machine, and how to tell the user what is missing. */
import { accessSync, constants } from 'fs';
import { delimiter, join } from 'path';
import { delayLineBuilt } from './delayline';

/** Tool → Debian package that provides it. */
const TOOLS: Record<string, string> = {
  ip: 'iproute2',
  tc: 'iproute2',
  nft: 'nftables',
  conntrack: 'conntrack',
};
/** The delay line is C, compiled on first use (lab/delayline/delayline.c). */
const BUILD_TOOLS: Record<string, string> = { cc: 'gcc libc6-dev' };
const TURN_TOOLS: Record<string, string> = { turnserver: 'coturn', openssl: 'openssl' };

/** sbin directories are often missing from non-login PATHs although ip/nft live there. */
const EXTRA_PATH = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin', '/bin'];

export function toolPath(): string {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const d of EXTRA_PATH) if (!dirs.includes(d)) dirs.push(d);
  return dirs.join(delimiter);
}

/** Environment for lab commands: the caller's, with sbin directories on PATH. */
export function toolEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, PATH: toolPath() };
}

export function findTool(name: string): string | undefined {
  for (const dir of toolPath().split(delimiter)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

/**
 * Checks root, tools and (when a delay line is wanted and not built yet) a C compiler.
 * Each `missing` entry names the thing and how to get it. Without options, checks everything.
 */
export function checkLabPrerequisites(opts: { delayMs?: number; turn?: boolean } = { delayMs: 1 }): { ok: boolean; missing: string[] } {
  const missing: string[] = [];
  const isRoot = typeof process.getuid !== 'function' || process.getuid() === 0;
  if (!isRoot) {
    missing.push('root: network namespaces need root (CAP_NET_ADMIN); run with sudo');
  }
  const tools = { ...TOOLS, ...((opts.delayMs ?? 0) > 0 && !delayLineBuilt() ? BUILD_TOOLS : {}), ...(opts.turn ? TURN_TOOLS : {}) };
  for (const [tool, pkg] of Object.entries(tools)) {
    if (!findTool(tool)) missing.push(`${tool}: not found on PATH; install the Debian package${pkg.includes(' ') ? 's' : ''} ${pkg} (apt-get install ${pkg})`);
  }
  return { ok: missing.length === 0, missing };
}
