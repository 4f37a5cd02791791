import { fileError } from './errors';

/** Longest accepted name in UTF-8 bytes: the partial file adds ".….pinhole-part.json" under the 255-byte NAME_MAX. */
export const MAX_NAME_BYTES = 200;

/** Windows reserves these device names with any extension (CON, con.txt, COM1.log …). */
const DEVICE = /^(con|prn|aux|nul|clock\$|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
/** Separators, NUL and other control characters, and what Windows forbids in names. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\x00-\x1f\x7f/\\<>:"|?*]/;

/**
 * Checks that `name` is one plain file name that stays inside the inbox on any OS: no path
 * separators (so no `../` and no absolute paths), no `.`/`..`, no leading dot (hidden files,
 * and the inbox's own `.NAME.pinhole-part` files), no trailing dot or space (Windows drops
 * them), no device names, no control characters. Returns the reason it is refused, or undefined.
 */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return `the name is longer than ${MAX_NAME_BYTES} bytes`;
  if (name === '.' || name === '..') return `"${name}" is not a file name`;
  const bad = FORBIDDEN.exec(name);
  if (bad) return `it contains ${JSON.stringify(bad[0])}; a file name may not hold path separators, control characters or any of <>:"|?*`;
  if (name.startsWith('.')) return 'it starts with a dot (hidden files are not accepted)';
  if (/[. ]$/.test(name)) return 'it ends with a dot or a space';
  if (DEVICE.test(name)) return `"${name}" is a reserved device name on Windows`;
  if (name.normalize('NFC') !== name) return 'it is not in Unicode normal form C';
  return undefined;
}

/** Throws E_FILE_PATH unless `name` is a safe, plain file name (see nameProblem). */
export function checkName(name: string): void {
  const why = nameProblem(name);
  if (why) throw fileError('E_FILE_PATH', `refused file name ${JSON.stringify(name)}: ${why}; send it under a plain name such as "report.pdf"`, { name });
}
