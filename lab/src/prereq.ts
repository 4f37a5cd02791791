/** What the lab needs from the machine, and how to tell the user what is missing. */
import { accessSync, constants } from 'fs';
import { delimiter, join } from 'path';

/** Tool → Debian package that provides it. */
const TOOLS: Record<string, string> = {
  ip: 'iproute2',
  tc: 'iproute2',
  nft: 'nftables',
  conntrack: 'conntrack',
};
const DELAY_TOOLS: Record<string, string> = { python3: 'python3' };
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
 * Checks root, tools and (when a delay line is wanted) TUN + python3.
 * Each `missing` entry names the thing and how to get it. Without options, checks everything.
 */
export function checkLabPrerequisites(opts: { delayMs?: number; turn?: boolean } = { delayMs: 1 }): { ok: boolean; missing: string[] } {
  const missing: string[] = [];
  const isRoot = typeof process.getuid !== 'function' || process.getuid() === 0;
  if (!isRoot) {
    missing.push('root: network namespaces need root (CAP_NET_ADMIN); run with sudo');
  }
  const tools = { ...TOOLS, ...((opts.delayMs ?? 0) > 0 ? DELAY_TOOLS : {}), ...(opts.turn ? TURN_TOOLS : {}) };
  for (const [tool, pkg] of Object.entries(tools)) {
    if (!findTool(tool)) missing.push(`${tool}: not found on PATH; install the Debian package ${pkg} (apt-get install ${pkg})`);
  }
  if ((opts.delayMs ?? 0) > 0) {
    try {
      accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
    } catch (err) {
      // Without root, "permission denied" is already covered by the root entry.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || isRoot) {
        missing.push(`/dev/net/tun: TUN device unavailable (${(err as NodeJS.ErrnoException).code}; needed for --delay); load the tun kernel module (modprobe tun) or, in a container, pass --device /dev/net/tun`);
      }
    }
  }
  return { ok: missing.length === 0, missing };
}
